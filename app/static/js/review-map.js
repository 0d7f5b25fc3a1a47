// The moderator's small map of a submission: the proposed pin (Leaflet's marker) and the centre of its postcode (a
// ring), joined by a line, both in view. The page says the distance in words; this only shows it. A file of its own,
// not an inline script, so the Content-Security-Policy needs no nonce for it.
(function () {
  "use strict";
  var L = window.L;
  var _ = window.AssetMapDom.t;  /* dom.js */
  var box = document.getElementById("review-map");
  if (!box || typeof L === "undefined") return;
  var d = box.dataset;
  var pin = [parseFloat(d.pinLat), parseFloat(d.pinLon)];
  var centre = [parseFloat(d.centreLat), parseFloat(d.centreLon)];
  if (!pin.concat(centre).every(isFinite)) return;
  var map = L.map(box, { scrollWheelZoom: false });
  L.tileLayer(d.tiles, { maxZoom: 19, attribution: _("© OpenStreetMap contributors") }).addTo(map);
  L.polyline([centre, pin], { color: "#1d1d1b", weight: 2, dashArray: "4 6", interactive: false }).addTo(map);
  L.marker(centre, {
    title: d.centreLabel, alt: d.centreLabel, keyboard: false,
    icon: L.divIcon({ className: "pin-centre", html: "", iconSize: [16, 16], iconAnchor: [8, 8] })
  }).addTo(map);
  L.marker(pin, { title: _("Proposed pin"), alt: _("Proposed pin"), keyboard: false }).addTo(map);
  map.fitBounds(L.latLngBounds([pin, centre]), { maxZoom: 16, padding: [30, 30] });
})();
