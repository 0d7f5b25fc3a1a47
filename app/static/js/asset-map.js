/* Community Asset Map: fills Folium's category layers with the places in view, and drives the popups, the list
   of places and the postcode search.

   Places come from /api/v1/assets.geojson for the current viewport: refetched when the map stops moving (debounced),
   and a newer request cancels an older one. Each request carries the data version (`v`, app/maps/data_version.py),
   so a cache may keep its answer for good; the page takes a newer version from any answer's X-Data-Version, and asks
   for the current one when the map moves a minute or more after it last did (an answer a cache kept cannot tell of
   edits made since). Every piece of data is put into the page with textContent or
   setAttribute, never as HTML. Text is in the page's language (`_`, dom.js); the API is asked in it too. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var LIST_MAX = 50;
  var SEARCH_ZOOM = 15;
  var PLACE_ZOOM = 17;
  var VERSION_CHECK_MS = 60000;

  var el = window.AssetMapDom.el;  /* dom.js */
  var placeText = window.AssetMapDom.placeText;
  var _ = window.AssetMapDom.t;

  /* Called when shown, not when this script loads in the page's <head>: the translations are on <body>. */
  function dayName(day) {
    return {
      mon: _("Monday"), tue: _("Tuesday"), wed: _("Wednesday"), thu: _("Thursday"), fri: _("Friday"), sat: _("Saturday"),
      sun: _("Sunday"),
    }[day] || day;
  }

  /* The API's answers (labels, error messages) in the page's language. */
  function apiHeaders(accept) {
    return { Accept: accept, "Accept-Language": document.documentElement.lang };
  }

  function clusterIcon(slug) {
    return function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? 34 : count < 100 ? 40 : 46;
      var label = el("span", null, String(count), el("span", { className: "visually-hidden" }, " " + (count === 1 ? _("place") : _("places"))));
      return L.divIcon({ html: label, className: "asset-cluster cat-" + slug, iconSize: L.point(size, size) });
    };
  }

  /* Whether data version `a` ("<counter>-<yyyymmdd>-<settings mark>") is newer than `b`: a lagging replica may answer
     with an older one. The same counter and day with another mark is the layers' settings changed by a deploy. */
  function newer(a, b) {
    var x = a.split("-").map(Number), y = (b || "0-0").split("-").map(Number);
    return x[0] > y[0] || (x[0] === y[0] && (x[1] > y[1] || (x[1] === y[1] && a !== b)));
  }

  function AssetMap(map, layers, config) {
    this.map = map;
    this.layers = layers;
    this.config = config;
    this.markers = new Map(); // asset id -> {marker, props, root}
    this.icons = {};
    this.request = null;
    this.timer = null;
    this.versionCheckedAt = Date.now();  // the page came with the version
    this.truncated = false;
    this.nearest = null; // {postcode, items} after a postcode search
    this.pendingOpen = null;
    this.origin = null;
    this.openMarker = null; // the marker whose popup is open
    this.dom = {
      form: document.getElementById("map-search"),
      input: document.getElementById("map-search-postcode"),
      error: document.getElementById("map-search-error"),
      status: document.getElementById("results-status"),
      list: document.getElementById("results-list"),
      clear: document.getElementById("results-clear"),
      heading: document.getElementById("results-heading"),
      remote: document.getElementById("remote-section"),
      remoteList: document.getElementById("remote-list"),
    };
    this.bind();
    var toggle = map.getContainer().querySelector(".leaflet-control-layers-toggle");
    if (toggle) {
      toggle.setAttribute("aria-label", _("Layers: choose which kinds of places to show"));
      toggle.title = _("Layers");
    }
    if (config.area) this.drawArea(config.area);
    this.load();
    if (config.postcode) this.search(config.postcode, false);
  }

  AssetMap.prototype.bind = function () {
    var self = this;
    this.map.on("moveend", function () { self.schedule(); });
    this.map.on("overlayadd overlayremove", function () { self.renderList(); });
    // Escape closes an open popup from anywhere in the map (a marker, the popup itself) and returns focus to its marker.
    this.map.getContainer().addEventListener("keydown", function (event) {
      var marker = self.openMarker;
      if (event.key !== "Escape" || !marker) return;
      marker.closePopup();
      if (marker.getElement()) marker.getElement().focus();
    });
    if (this.dom.form) {
      this.dom.form.addEventListener("submit", function (event) {
        event.preventDefault();
        self.search(self.dom.input.value, true);
      });
    }
    if (this.dom.clear) {
      this.dom.clear.addEventListener("click", function () { self.clearSearch(); });
    }
    this.dom.toggle = document.getElementById("list-toggle");
    if (this.dom.toggle) {
      this.dom.panel = document.getElementById(this.dom.toggle.getAttribute("aria-controls"));
      this.dom.toggle.addEventListener("click", function () {
        self.showPanel(self.dom.toggle.getAttribute("aria-expanded") !== "true");
      });
    }
  };

  /* The embed's list of places, shown over the map by its "List of places" button. */
  AssetMap.prototype.showPanel = function (open) {
    if (!this.dom.panel) return;
    this.dom.panel.hidden = !open;
    this.dom.toggle.setAttribute("aria-expanded", String(open));
    this.dom.toggle.textContent = open ? _("Hide the list") : _("List of places");
  };

  /* ---- Loading the places in view ---- */

  AssetMap.prototype.schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.load(); }, DEBOUNCE_MS);
  };

  AssetMap.prototype.filterParams = function (params) {
    var filter = this.config.filter || {};
    (filter.category || []).forEach(function (slug) { params.append("category", slug); });
    if (filter.area) params.set("area", filter.area);
    if (filter.q) params.set("q", filter.q);
    return params;
  };

  AssetMap.prototype.bboxParam = function () {
    var b = this.map.getBounds();
    var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
    var south = Math.max(-90, b.getSouth()), north = Math.min(90, b.getNorth());
    if (west >= east) { west = -180; east = 180; }
    return [west, south, east, north].map(function (n) { return n.toFixed(5); }).join(",");
  };

  AssetMap.prototype.adoptVersion = function (version) {
    if (version && newer(version, this.config.dataVersion)) this.config.dataVersion = version;
  };

  /* Resolves once the version is known to be at most VERSION_CHECK_MS old; a failed check keeps the one we have. */
  AssetMap.prototype.freshVersion = function (signal) {
    var self = this;
    if (Date.now() - this.versionCheckedAt < VERSION_CHECK_MS) return Promise.resolve();
    this.versionCheckedAt = Date.now();
    return fetch(this.config.urls.dataVersion, { signal: signal, headers: apiHeaders("application/json") })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (body) { self.adoptVersion(body.version); })
      .catch(function (error) { if (error.name === "AbortError") throw error; });
  };

  AssetMap.prototype.load = function () {
    var self = this;
    if (this.request) this.request.abort();
    var controller = new AbortController();
    this.request = controller;
    var params = this.filterParams(new URLSearchParams({ bbox: this.bboxParam(), limit: String(this.config.limit) }));
    this.setBusy(true);
    this.freshVersion(controller.signal)
      .then(function () {
        params.set("v", self.config.dataVersion);
        return fetch(self.config.urls.geojson + "?" + params.toString(), { signal: controller.signal, headers: apiHeaders("application/geo+json") });
      })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        self.adoptVersion(response.headers.get("X-Data-Version"));
        return response.json();
      })
      .then(function (collection) {
        if (self.request !== controller) return;
        self.request = null;
        self.setBusy(false);
        self.show(collection.features || [], collection.truncated);
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        self.setBusy(false);
        self.announce(_("Sorry, the map could not load places. Please try again."));
      });
  };

  AssetMap.prototype.setBusy = function (busy) {
    var container = this.map.getContainer();
    if (busy) container.setAttribute("aria-busy", "true");
    else container.removeAttribute("aria-busy");
  };

  /* Keeps markers that are still in view (an open popup stays open), adds new ones, removes the rest. */
  AssetMap.prototype.show = function (features, truncated) {
    var self = this;
    var seen = new Set();
    var added = {};
    features.forEach(function (feature) {
      var props = feature.properties || {};
      var root = props.category;
      if (!self.layers[root] || !feature.geometry) return;
      seen.add(props.id);
      var entry = self.markers.get(props.id);
      if (entry) { entry.props = props; return; }
      var coords = feature.geometry.coordinates;
      entry = { marker: self.makeMarker(props, L.latLng(coords[1], coords[0]), root), props: props, root: root };
      self.markers.set(props.id, entry);
      (added[root] = added[root] || []).push(entry.marker);
    });
    var removed = {};
    this.markers.forEach(function (entry, id) {
      if (seen.has(id)) return;
      (removed[entry.root] = removed[entry.root] || []).push(entry.marker);
      self.markers.delete(id);
    });
    Object.keys(removed).forEach(function (root) { self.layers[root].removeLayers(removed[root]); });
    Object.keys(added).forEach(function (root) { self.layers[root].addLayers(added[root]); });
    this.truncated = Boolean(truncated);
    this.renderList();
    if (this.pendingOpen && this.markers.has(this.pendingOpen)) {
      var id = this.pendingOpen;
      this.pendingOpen = null;
      this.openPlace(id);
    }
  };

  AssetMap.prototype.icon = function (root) {
    if (!this.icons[root]) {
      this.icons[root] = L.divIcon({
        className: "asset-marker cat-" + root, html: "", iconSize: [24, 24], iconAnchor: [12, 12], popupAnchor: [0, -13],
      });
    }
    return this.icons[root];
  };

  AssetMap.prototype.categoryName = function (slug) {
    var entry = this.config.categories[slug];
    return entry ? entry[0] : slug;
  };

  AssetMap.prototype.makeMarker = function (props, latlng, root) {
    var self = this;
    var name = placeText(props, "name").text;
    var marker = L.marker(latlng, { icon: this.icon(root), title: name, riseOnHover: true });
    var label = name + " (" + this.categoryName(root) + ")";
    marker.on("add", function () {
      var element = marker.getElement();
      if (element) { element.setAttribute("aria-label", label); element.setAttribute("data-id", props.id); }
    });
    marker.on("popupopen", function (event) {
      self.openMarker = marker;
      var close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) close.setAttribute("aria-label", _("Close"));  // Leaflet's own label is English
    });
    marker.on("popupclose", function () { if (self.openMarker === marker) self.openMarker = null; });
    marker.bindPopup(function () { return self.popup(self.markers.has(props.id) ? self.markers.get(props.id).props : props); },
      { maxWidth: 320, minWidth: 220, autoPanPadding: [24, 24] });
    return marker;
  };

  /* ---- Popups and list items ---- */

  /* An embed fixed to a language links to pages in it: a framed page may not get the language cookie. */
  AssetMap.prototype.placeUrl = function (id) {
    return "/places/" + encodeURIComponent(id) + (this.config.lang ? "?lang=" + encodeURIComponent(this.config.lang) : "");
  };

  AssetMap.prototype.link = function (href, text, className) {
    var target = this.config.linkTarget;
    return el("a", { href: href, className: className, target: target, rel: target ? "noopener" : null }, text);
  };

  /* The place's name as a heading linking to its page, in the page's language or else marked with the other's. */
  AssetMap.prototype.placeName = function (tag, props) {
    var name = placeText(props, "name");
    return el(tag, { lang: name.lang }, this.link(this.placeUrl(props.id), name.text));
  };

  AssetMap.prototype.badges = function (props) {
    if (!props.free && !props.drop_in) return null;
    return el("p", { className: "badges" },
      props.free ? el("span", { className: "badge free" }, _("Free")) : null,
      props.drop_in ? el("span", { className: "badge drop-in" }, _("Drop in")) : null);
  };

  AssetMap.prototype.describe = function (props) {
    var self = this;
    var names = (props.categories || []).map(function (slug) { return self.categoryName(slug); });
    var address = [props.address, props.postcode].filter(Boolean).join(", ");
    return [
      names.length ? el("p", { className: "categories" }, names.join(", ")) : null,
      address ? el("p", { className: "address" }, address) : null,
      this.precision(props),
      this.badges(props),
      this.freshness(props),
    ];
  };

  /* A place shown only roughly says so (docs/privacy.md): its pin is not where it meets. */
  AssetMap.prototype.precision = function (props) {
    if (props.location_precision === "approximate") {
      return el("p", { className: "precision-note" }, _("Location shown approximately, within about 250 metres."));
    }
    if (props.location_precision === "area") {
      return el("p", { className: "precision-note" }, _("Only the area is shown: the centre of its postcode district."));
    }
    return null;
  };

  /* Places not verified for over a year (the server's `stale` flag) say so, with the date of the last check. */
  AssetMap.prototype.freshness = function (props) {
    if (!props.stale) return null;
    var date = { day: "numeric", month: "long", year: "numeric", timeZone: "Europe/London" };
    var locale = document.documentElement.lang === "cy" ? "cy" : "en-GB";  // Welsh month names, as uk_date's
    return el("p", { className: "freshness" }, props.last_verified_at
      ? _("Not verified since {date}", { date: new Date(props.last_verified_at).toLocaleDateString(locale, date) })
      : _("Not yet checked"));
  };

  AssetMap.prototype.popup = function (props) {
    var body = el("div", { className: "asset-popup" },
      this.placeName("h2", props));
    this.describe(props).forEach(function (node) { if (node) body.appendChild(node); });
    body.appendChild(el("h3", null, _("Opening times")));
    body.appendChild(this.hoursList(props));
    body.appendChild(el("p", null, this.link(this.placeUrl(props.id), _("More details about this place"))));
    return body;
  };

  AssetMap.prototype.hoursList = function (props) {
    var sessions = props.schedule || [];
    var hours = placeText(props, "opening_hours_text");
    if (!sessions.length && !hours.text) return el("p", { className: "hint" }, _("Not recorded: check with the organiser."));
    var list = el("ul", { className: "schedule" });
    sessions.forEach(function (s) {
      list.appendChild(el("li", null, dayName(s.day) + " " + s.opens + "–" + s.closes + (s.note ? " (" + s.note + ")" : "")));
    });
    if (hours.text) list.appendChild(el("li", { lang: hours.lang }, hours.text));
    return list;
  };

  /* ---- The list of places ---- */

  AssetMap.prototype.visible = function (root) {
    return this.layers[root] && this.map.hasLayer(this.layers[root]);
  };

  AssetMap.prototype.inView = function () {
    var self = this;
    var bounds = this.map.getBounds();
    var centre = this.map.getCenter();
    var items = [];
    this.markers.forEach(function (entry) {
      var latlng = entry.marker.getLatLng();
      if (!self.visible(entry.root) || !bounds.contains(latlng)) return;
      items.push({ props: entry.props, latlng: latlng, distance: centre.distanceTo(latlng) });
    });
    items.sort(function (a, b) { return a.distance - b.distance; });
    return items;
  };

  /* What the list says. A map limited to an area (an embed) names it, so "no places" is not read as "none anywhere". */
  AssetMap.prototype.renderList = function () {
    if (!this.dom.list) return;
    var items, message;
    var area = this.config.areaName;
    if (this.nearest) {
      items = this.nearest.items;
      var near = { n: items.length, postcode: this.nearest.postcode, area: area, distance: window.AssetMapDom.distance(this.config.searchRadius) };
      if (items.length === 1) message = _("1 place near {postcode}, nearest first.", near);
      else if (items.length) message = _("{n} places near {postcode}, nearest first.", near);
      else if (area) message = _("No places found in {area} within {distance} of {postcode}.", near);
      else message = _("No places found within {distance} of {postcode}.", near);
      this.dom.heading.textContent = _("Nearest to {postcode}", near);
    } else {
      var all = this.inView();
      items = all.slice(0, LIST_MAX);
      this.dom.heading.textContent = _("Places in this part of the map");
      if (!all.length && area) message = _("No places in {area} in this part of the map. Zoom out or search for a postcode.", { area: area });
      else if (!all.length) message = _("No places in this part of the map. Zoom out or search for a postcode.");
      else if (this.truncated) message = _("There are more places here than the map can show at once. Zoom in or search for a postcode to see them all.");
      else if (all.length > LIST_MAX) message = _("Showing the {max} places nearest the middle of the map, of {n}. Zoom in to see the rest.", { max: LIST_MAX, n: all.length });
      else if (all.length === 1) message = _("1 place in this part of the map.");
      else message = _("{n} places in this part of the map.", { n: all.length });
    }
    if (this.dom.clear) this.dom.clear.hidden = !this.nearest;
    var self = this;
    this.dom.list.replaceChildren.apply(this.dom.list, items.map(function (item) { return self.listItem(item); }));
    this.announce(message);
  };

  AssetMap.prototype.listItem = function (item) {
    var self = this;
    var props = item.props;
    var li = el("li", { className: "result", "data-id": props.id },
      this.placeName("h3", props));
    this.describe(props).forEach(function (node) { if (node) li.appendChild(node); });
    if (item.distance_m !== undefined) li.appendChild(el("p", { className: "distance" }, _("{distance} away", { distance: window.AssetMapDom.distance(item.distance_m) })));
    var button = el("button", { type: "button", className: "secondary" }, _("Show on map"),
      el("span", { className: "visually-hidden" }, ": " + placeText(props, "name").text));
    button.addEventListener("click", function () { self.focusPlace(props.id, item.latlng); });
    li.appendChild(button);
    return li;
  };

  AssetMap.prototype.announce = function (message) {
    if (this.dom.status) this.dom.status.textContent = message;
  };

  AssetMap.prototype.openPlace = function (id) {
    var entry = this.markers.get(id);
    if (!entry) return false;
    var layer = this.layers[entry.root];
    if (!this.map.hasLayer(layer)) this.map.addLayer(layer);
    layer.zoomToShowLayer(entry.marker, function () {
      entry.marker.openPopup();
      var element = entry.marker.getElement();
      if (element) element.focus();
    });
    return true;
  };

  AssetMap.prototype.focusPlace = function (id, latlng) {
    if (this.openPlace(id)) return;
    this.pendingOpen = id;
    this.map.setView(latlng, Math.max(this.map.getZoom(), PLACE_ZOOM));
  };

  /* ---- Postcode search ---- */

  AssetMap.prototype.showError = function (message) {
    if (!this.dom.error) return;
    this.dom.error.textContent = message;
    this.dom.error.hidden = !message;
    if (message) { this.dom.input.setAttribute("aria-invalid", "true"); this.dom.input.focus(); }
    else this.dom.input.removeAttribute("aria-invalid");
  };

  AssetMap.prototype.search = function (text, fromForm) {
    var self = this;
    var postcode = (text || "").trim();
    this.showError("");
    if (!postcode) { this.showError(_("Enter a postcode, such as M1 1AE.")); return Promise.resolve(); }
    this.announce(_("Looking up {postcode}…", { postcode: postcode }));
    return fetch(this.config.urls.postcodes + encodeURIComponent(postcode), { headers: apiHeaders("application/json") })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) throw new Error(body.detail || _("That postcode could not be found."));
          return body;
        });
      })
      .then(function (place) {
        self.map.setView([place.lat, place.lon], Math.max(self.map.getZoom(), SEARCH_ZOOM));
        self.markOrigin(place);
        if (fromForm) self.rememberSearch(place.postcode);
        var params = self.filterParams(new URLSearchParams({
          lat: String(place.lat), lon: String(place.lon), radius_m: String(self.config.searchRadius), limit: "20",
        }));
        return fetch(self.config.urls.nearby + "?" + params.toString(), { headers: apiHeaders("application/json") }).then(function (response) {
          if (!response.ok) throw new Error(_("Sorry, the nearest places could not be loaded."));
          return response.json();
        }).then(function (body) {
          self.nearest = {
            postcode: place.postcode,
            items: body.items.map(function (item) {
              item.category = item.category || (self.config.categories[item.categories[0]] || [])[1];
              return { props: item, latlng: L.latLng(item.lat, item.lon), distance_m: item.distance_m };
            }),
          };
          self.renderList();
          self.showRemote(body.remote ? body.remote.items : []);
          self.showPanel(true);
        });
      })
      .catch(function (error) { self.showError(error.message); self.announce(""); });
  };

  AssetMap.prototype.markOrigin = function (place) {
    if (this.origin) this.origin.remove();
    this.origin = L.circleMarker([place.lat, place.lon], {
      radius: 9, color: "#1d1d1b", weight: 3, fillColor: "#ffbf47", fillOpacity: 1, interactive: false, className: "search-origin",
    }).addTo(this.map);
  };

  AssetMap.prototype.rememberSearch = function (postcode) {
    if (!this.config.rememberSearch) return;
    var url = new URL(window.location.href);
    url.searchParams.set("postcode", postcode);
    window.history.replaceState(null, "", url.toString());
  };

  /* Services by phone, online or at home whose areas hold the searched postcode: a list, never pins (no position). */
  var DELIVERY = { phone: function () { return _("By phone"); }, online: function () { return _("Online"); },
    home: function () { return _("At home"); } };

  AssetMap.prototype.showRemote = function (items) {
    var section = this.dom.remote, list = this.dom.remoteList;
    if (!section || !list) return;
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var name = placeText(item, "name");  // in the page's language, or the other marked with lang
      var link = document.createElement("a");
      link.href = "/places/" + encodeURIComponent(item.id);
      link.textContent = name.text;
      if (name.lang) link.lang = name.lang;
      li.appendChild(link);
      var how = document.createElement("span");
      how.className = "delivery";
      how.textContent = " – " + (DELIVERY[item.delivery] ? DELIVERY[item.delivery]() : item.delivery);
      li.appendChild(how);
      list.appendChild(li);
    });
    section.hidden = items.length === 0;
  };

  AssetMap.prototype.clearSearch = function () {
    this.nearest = null;
    this.showRemote([]);
    if (this.origin) { this.origin.remove(); this.origin = null; }
    if (this.config.rememberSearch) {
      var url = new URL(window.location.href);
      url.searchParams.delete("postcode");
      window.history.replaceState(null, "", url.toString());
    }
    if (this.dom.input) { this.dom.input.value = ""; this.dom.input.focus(); }
    this.renderList();
  };

  /* ---- A council's outline (embeds) ---- */

  AssetMap.prototype.drawArea = function (area) {
    var self = this;
    fetch(this.config.urls.areas + encodeURIComponent(area))
      .then(function (response) { if (!response.ok) throw new Error("area"); return response.json(); })
      .then(function (body) {
        var geometry = body.geometry || body;
        var outline = L.geoJSON(geometry, { interactive: false, style: { color: "#00594f", weight: 3, fill: false } });
        var mask = L.polygon([[[-90, -360], [-90, 360], [90, 360], [90, -360]]].concat(holes(geometry)), {
          interactive: false, stroke: false, fillColor: "#1d1d1b", fillOpacity: 0.35,
        });
        mask.addTo(self.map);
        outline.addTo(self.map);
      })
      .catch(function () { self.announce(_("The council's boundary could not be drawn.")); });
  };

  /* The outer rings of a (Multi)Polygon as Leaflet lat/lng rings, to cut out of the mask. */
  function holes(geometry) {
    var polygons = geometry.type === "MultiPolygon" ? geometry.coordinates : geometry.type === "Polygon" ? [geometry.coordinates] : [];
    return polygons.map(function (polygon) {
      return polygon[0].map(function (point) { return [point[1], point[0]]; });
    });
  }

  window.AssetMap = {
    start: function (map, layers, config) { return new AssetMap(map, layers, config); },
    clusterIcon: clusterIcon,
  };
})();
