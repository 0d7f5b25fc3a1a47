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

  window.AssetMapDom = { el: el };
})();
