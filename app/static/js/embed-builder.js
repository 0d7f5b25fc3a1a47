/* The embed builder: council staff choose an area, kinds of places, the language and a size; the preview and the
   <iframe> code follow every change. Area names come from /api/v1/areas and are only ever set as text. The embed's
   language is fixed by `lang` (cy or en) or left to the visitor's browser, and `lang_switch=1` adds a link to the
   other language inside it. */
(function () {
  "use strict";

  var _ = window.AssetMapDom.t;  /* dom.js */

  var form = document.getElementById("builder");
  var areaInput = document.getElementById("area-q");
  var areaError = document.getElementById("area-error");
  var areaStatus = document.getElementById("area-status");
  var choices = document.getElementById("area-choices");
  var widthSelect = document.getElementById("embed-width");
  var heightInput = document.getElementById("embed-height");
  var heightError = document.getElementById("height-error");
  var controls = document.getElementById("embed-controls");
  var langSwitch = document.getElementById("embed-lang-switch");
  var titles = JSON.parse(form.getAttribute("data-titles"));  /* the <iframe> title in each language */
  var preview = document.getElementById("preview");
  var previewBox = document.getElementById("preview-box");
  var snippet = document.getElementById("snippet");
  var copyStatus = document.getElementById("copy-status");
  var area = null; // {code, name}
  var previewTimer = null;

  // One regular expression: Babel's extractor (make messages) misreads `/>/g` and would miss every text after it.
  var ENTITIES = { "&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;" };

  function escapeAttribute(text) {
    return String(text).replace(/[&"<>]/g, function (c) { return ENTITIES[c]; });
  }

  function embedPath() {
    var params = new URLSearchParams();
    if (area) params.set("area", area.code);
    form.querySelectorAll("input[name=category]:checked").forEach(function (box) { params.append("category", box.value); });
    if (!controls.checked) params.set("controls", "0");
    if (chosenLanguage()) params.set("lang", chosenLanguage());
    if (langSwitch.checked) params.set("lang_switch", "1");
    var query = params.toString();
    return "/embed" + (query ? "?" + query : "");
  }

  function chosenLanguage() {
    var chosen = form.querySelector("input[name=lang]:checked");
    return chosen ? chosen.value : "";
  }

  /* The snippet's title is in the embed's language; an embed whose language the visitor's browser chooses is named
     in this page's language. */
  function embedTitle() {
    var words = titles[chosenLanguage() || document.documentElement.lang.slice(0, 2)] || titles.en;
    return area ? words.area.replace("%(area)s", area.name) : words.everywhere;
  }

  function height() {
    var value = parseInt(heightInput.value, 10);
    var ok = value >= 250 && value <= 1200;
    heightError.hidden = ok;
    heightError.textContent = ok ? "" : _("Enter a height between 250 and 1200 pixels.");
    if (ok) heightInput.removeAttribute("aria-invalid"); else heightInput.setAttribute("aria-invalid", "true");
    return ok ? value : 500;
  }

  function update() {
    var path = embedPath();
    var h = height();
    var w = widthSelect.value;
    snippet.value = '<iframe src="' + escapeAttribute(window.location.origin + path) + '" title="' + escapeAttribute(embedTitle()) +
      '" width="' + escapeAttribute(w) + '" height="' + h + '" style="border:0" loading="lazy"></iframe>';
    copyStatus.textContent = "";
    previewBox.style.maxWidth = w === "100%" ? "100%" : w + "px";
    preview.height = String(h);
    clearTimeout(previewTimer);
    previewTimer = setTimeout(function () {
      if (preview.getAttribute("src") !== path) preview.setAttribute("src", path);
    }, 300);
  }

  function choice(value, label, checked) {
    var id = "area-" + (value || "none");
    var input = document.createElement("input");
    input.type = "radio";
    input.name = "area";
    input.id = id;
    input.value = value;
    input.checked = checked;
    var text = document.createElement("label");
    text.htmlFor = id;
    text.textContent = label;
    var row = document.createElement("div");
    row.className = "checkbox-row";
    row.append(input, text);
    return row;
  }

  function showAreas(items) {
    var fieldset = document.createElement("fieldset");
    var legend = document.createElement("legend");
    legend.textContent = _("Choose the area");
    fieldset.append(legend, choice("", _("Everywhere (no council area)"), !area));
    items.forEach(function (item) {
      var row = choice(item.code, item.name + " (" + item.code + ")", area && area.code === item.code);
      row.querySelector("input").addEventListener("change", function () { area = { code: item.code, name: item.name }; update(); });
      fieldset.append(row);
    });
    fieldset.querySelector("input[value='']").addEventListener("change", function () { area = null; update(); });
    choices.replaceChildren(fieldset);
  }

  function findAreas() {
    var q = areaInput.value.trim();
    areaError.hidden = true;
    areaInput.removeAttribute("aria-invalid");
    if (!q) { area = null; choices.replaceChildren(); areaStatus.textContent = _("Showing everywhere."); update(); return; }
    areaStatus.textContent = _("Searching…");
    fetch("/api/v1/areas?" + new URLSearchParams({ q: q }).toString(), { headers: { "Accept-Language": document.documentElement.lang } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw new Error(body.detail || _("The search did not work. Please try again."));
          return Array.isArray(body) ? body : body.items || [];
        });
      })
      .then(function (items) {
        if (!items.length) throw new Error(_("No council matches “{q}”. Check the spelling, or try its code.", { q: q }));
        areaStatus.textContent = items.length === 1 ? _("1 council found.") : _("{n} councils found.", { n: items.length });
        var chooseFirst = items.length === 1 || items[0].name.toLowerCase() === q.toLowerCase() || items[0].code.toLowerCase() === q.toLowerCase();
        area = chooseFirst ? { code: items[0].code, name: items[0].name } : null; // no earlier council stays chosen unseen
        update();
        showAreas(items);
      })
      .catch(function (error) {
        areaStatus.textContent = "";
        areaError.textContent = error.message;
        areaError.hidden = false;
        areaInput.setAttribute("aria-invalid", "true");
        areaInput.focus();
      });
  }

  function copySnippet() {
    var done = function () { copyStatus.textContent = _("Copied."); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(snippet.value).then(done, function () {
        snippet.select();
        copyStatus.textContent = _("Press Ctrl+C (or Cmd+C) to copy the selected code.");
      });
    } else {
      snippet.select();
      copyStatus.textContent = document.execCommand("copy") ? _("Copied.") : _("Press Ctrl+C (or Cmd+C) to copy the selected code.");
    }
  }

  document.getElementById("area-find").addEventListener("click", findAreas);
  areaInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); findAreas(); }
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("change", function (event) { if (event.target.name !== "area") update(); });
  heightInput.addEventListener("input", update);
  document.getElementById("copy-snippet").addEventListener("click", copySnippet);
  update();
})();
