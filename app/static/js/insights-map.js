/* Community Asset Map: the insights choropleth. Fetches the neighbourhoods (LSOAs) in view from
   /api/v1/insights/lsoas.geojson (refetched when the map stops moving; a newer request cancels an older one), colours
   them by the page's measure, and gives each one a tooltip and keyboard access: every outline is focusable, and
   focusing it (or a row of the "where to look first" table) highlights it and shows its figures beside the map.
   Every piece of data goes into the page with textContent or setAttribute, never as HTML (dom.js). */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var el = window.AssetMapDom.el;
  var _ = window.AssetMapDom.t;

  /* Each nation with its own index (translated when used: this script may run before the page's <body>). */
  function nationName(code) {
    return code === "E" ? _("England (IMD 2019)") : code === "W" ? _("Wales (WIMD 2019)") : code;
  }

  function InsightsMap(map, config) {
    this.map = map;
    this.config = config;
    this.layer = L.geoJSON(null, {
      style: this.style.bind(this),
      onEachFeature: this.bindFeature.bind(this),
    }).addTo(map);
    this.byCode = {};
    this.request = null;
    this.timer = null;
    this.highlighted = null;
    this.figures = document.getElementById("insights-figures");
    this.status = document.getElementById("insights-status");
    var self = this;
    map.on("moveend", function () { self.schedule(); });
    this.bindTable();
    this.load();
  }

  InsightsMap.prototype.colour = function (value) {
    var m = this.config.measure;
    if (value === null || value === undefined) return m.missingColour;
    for (var i = 0; i < m.bands.length; i++) {
      var b = m.bands[i];
      if (b.low <= value && (b.high === null || value <= b.high)) return b.colour;
    }
    return m.missingColour;
  };

  InsightsMap.prototype.style = function (feature) {
    return { color: "#1d1d1b", weight: 0.6, opacity: 0.8, fillOpacity: 0.72,
             fillColor: this.colour(feature.properties[this.config.measure.prop]) };
  };

  function count(value, withheld) {
    return value === null || value === undefined ? withheld : String(value);
  }

  /* The figures of one neighbourhood, as lines of text. */
  InsightsMap.prototype.lines = function (p) {
    var c = this.config;
    // Whole metres as the layer gives them: the page's distance rule (the `distance` filter) is the server's.
    var nearest = p.nearest_m === null ? _("none published") : p.nearest_m.toLocaleString("en-GB") + " m";
    var notComputed = _("not computed"), notKnown = _("not known"), withheld = _("withheld");
    var under = _("withheld (under {threshold})", { threshold: c.threshold });
    return [
      _("Deprivation decile: {decile} of 10, {nation}", { decile: count(p.deprivation_decile, notKnown), nation: nationName(p.nation) }),
      _("{category}: {near} places within 800 m, {far} within 1,600 m; nearest {nearest}", {
        category: c.categoryName, near: count(p.places_800m, notComputed), far: count(p.places_1600m, notComputed), nearest: nearest,
      }),
      _("Searches, last 12 months: {n}", { n: count(p.searches, under) }),
      _("Unmet (found fewer than {below}): {n}", { below: c.unmetBelow, n: count(p.unmet_searches, withheld) }),
    ];
  };

  InsightsMap.prototype.card = function (p) {
    var lines = this.lines(p);
    var list = el("ul");
    lines.forEach(function (line) { list.appendChild(el("li", null, line)); });
    return el("div", { className: "lsoa-card" }, el("strong", null, p.name), " ", el("span", { className: "hint" }, p.lsoa), list);
  };

  InsightsMap.prototype.bindFeature = function (feature, layer) {
    var self = this;
    var p = feature.properties;
    layer.bindTooltip(function () { return self.card(p); }, { sticky: true, className: "lsoa-tooltip" });
    layer.on("add", function () {
      var path = layer.getElement();
      if (!path) return;
      path.setAttribute("tabindex", "0");
      path.setAttribute("role", "button");
      path.setAttribute("aria-label", p.name + ". " + self.lines(p).join(". "));
      path.setAttribute("data-lsoa", p.lsoa);
      path.addEventListener("focus", function () { self.highlight(p.lsoa, false); });
      path.addEventListener("blur", function () { self.unhighlight(); });
      path.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { layer.closeTooltip(); }
      });
    });
    layer.on("mouseover", function () { self.show(p); });
    this.byCode[p.lsoa] = layer;
  };

  /* Shows a neighbourhood's figures beside the map (a polite live region). */
  InsightsMap.prototype.show = function (p) {
    if (!this.figures) return;
    this.figures.textContent = "";
    this.figures.appendChild(this.card(p));
  };

  InsightsMap.prototype.highlight = function (code, fromTable) {
    this.unhighlight();
    this.layer.eachLayer(function (other) { other.closeTooltip(); }); // one tooltip at a time, a hovered one too
    var layer = this.byCode[code];
    if (!layer) {
      if (this.status) this.status.textContent = _("That neighbourhood is not in the map's view.");
      return;
    }
    layer.setStyle({ weight: 4, color: "#ffbf47", opacity: 1 });
    // Drawn above its neighbours, unless it has the focus: moving the element in the DOM would lose it.
    if (document.activeElement !== layer.getElement()) layer.bringToFront();
    this.highlighted = layer;
    this.show(layer.feature.properties);
    if (fromTable && !this.map.getBounds().contains(layer.getBounds())) this.map.fitBounds(layer.getBounds(), { maxZoom: 14 });
    layer.openTooltip(layer.getBounds().getCenter());
  };

  InsightsMap.prototype.unhighlight = function () {
    if (!this.highlighted) return;
    this.layer.resetStyle(this.highlighted);
    this.highlighted.closeTooltip();
    this.highlighted = null;
  };

  /* Rows of the "where to look first" table: focus or click highlights their neighbourhood on the map. */
  InsightsMap.prototype.bindTable = function () {
    var self = this;
    document.querySelectorAll("tr[data-lsoa]").forEach(function (row) {
      var code = row.getAttribute("data-lsoa");
      row.addEventListener("focus", function () { self.highlight(code, true); });
      row.addEventListener("click", function () { self.highlight(code, true); });
    });
  };

  InsightsMap.prototype.schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.load(); }, DEBOUNCE_MS);
  };

  InsightsMap.prototype.load = function () {
    var self = this;
    var b = this.map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    var params = new URLSearchParams({
      bbox: [west, south, east, north].map(function (v) { return v.toFixed(5); }).join(","),
      zoom: String(this.map.getZoom()),
      category: this.config.category,
    });
    if (this.config.area) params.set("area", this.config.area);
    if (this.request) this.request.abort();
    var controller = new AbortController();
    this.request = controller;
    fetch(this.config.url + "?" + params.toString(), { signal: controller.signal })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (collection) {
        var keep = self.highlighted ? self.highlighted.feature.properties.lsoa : null;
        var focused = document.activeElement && document.activeElement.getAttribute && document.activeElement.getAttribute("data-lsoa");
        if (focused && self.byCode[focused] && document.activeElement.tagName.toLowerCase() === "path") return; // keep focus
        self.highlighted = null;
        self.layer.clearLayers();
        self.byCode = {};
        self.layer.addData(collection);
        if (keep && self.byCode[keep]) self.highlight(keep, false);
        if (self.status) {
          var shown = collection.numberReturned.toLocaleString("en-GB");
          self.status.textContent = collection.truncated
            ? _("Showing the {n} neighbourhoods nearest the centre: zoom in to see them all.", { n: shown })
            : _("{n} neighbourhoods in view.", { n: shown });
        }
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        if (self.status) self.status.textContent = _("The neighbourhoods could not be loaded. Try again in a moment.");
      });
  };

  window.InsightsMap = {
    start: function (map, config) { return new InsightsMap(map, config); },
  };
})();
