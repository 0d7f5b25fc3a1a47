/* Community Asset Map: the one way the site's scripts build DOM nodes from data. Everything goes in with
   textContent or setAttribute, never as HTML, so text people typed can never become markup. */
(function () {
  "use strict";

  /* A DOM element: el("a", {href: "/x", className: "y"}, "text", childNode, ...). Strings become text nodes;
     null, undefined and false attributes or children are left out. */
  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key === "className") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  /* The page's language's text for a script's English text (the page's <body data-messages>, app/i18n/scripts.py):
     _("{n} places", {n: 3}). Mark text as _("…") so that `make messages` finds it. */
  var messages = null;
  function t(text, values) {
    if (messages === null && document.body) {  // read once the page's <body> exists (a script in <head> may call early)
      var data = document.body.getAttribute("data-messages");
      messages = data ? JSON.parse(data) : {};
    }
    var translated = (messages && messages[text]) || text;
    return translated.replace(/\{(\w+)\}/g, function (whole, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  /* A place's text (name, opening_hours_text …) in the page's language, or else in the other one, as the server's
     pages show it (app/assets/language.py): {text, lang}, where lang is set only when the text is not in the page's
     language, for the lang attribute of the element that holds it: el("h2", {lang: shown.lang}, shown.text). */
  function placeText(place, field) {
    var page = document.documentElement.lang === "cy" ? "cy" : "en";
    var texts = { en: place[field], cy: place[field + "_cy"] };
    var order = page === "cy" ? ["cy", "en"] : ["en", "cy"];
    for (var i = 0; i < order.length; i++) {
      var text = (texts[order[i]] || "").trim();
      if (text) return { text: text, lang: order[i] === page ? null : order[i] };
    }
    return { text: "", lang: null };
  }

  /* A distance as the finder writes it (app/finder/views.py distance_text): to the nearest 10 m below a kilometre,
     at least 10 m, rounded first so that 996 m is "1.0 km"; then kilometres and miles. */
  function distance(metres) {
    var _ = t;  // the name `make messages` looks for
    var rounded = Math.max(10, Math.round(metres / 10) * 10);
    if (rounded < 1000) return _("{n} m", { n: rounded });
    return _("{km} km ({miles} miles)", { km: (metres / 1000).toFixed(1), miles: (metres / 1609.344).toFixed(1) });
  }

  window.AssetMapDom = { el: el, t: t, placeText: placeText, distance: distance };
})();
