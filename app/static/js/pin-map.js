// "Drop a pin": with Leaflet available, a small map fills in the latitude and longitude fields. Without JavaScript
// or Leaflet the form works with the postcode (or typed coordinates) alone.
(function () {
  "use strict";
  var box = document.getElementById("pin-map");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  if (!box || !lat || !lon || typeof window.L === "undefined") return;
  box.hidden = false;
  var start = [parseFloat(lat.value) || 53.4808, parseFloat(lon.value) || -2.2426];
  var map = window.L.map(box).setView(start, lat.value ? 16 : 12);
  window.L.tileLayer(box.dataset.tiles, {
    maxZoom: 19,
    attribution: "© OpenStreetMap contributors"
  }).addTo(map);
  var pin = lat.value ? window.L.marker(start).addTo(map) : null;
  map.on("click", function (event) {
    var at = event.latlng;
    if (pin) pin.setLatLng(at); else pin = window.L.marker(at).addTo(map);
    lat.value = at.lat.toFixed(6);
    lon.value = at.lng.toFixed(6);
  });
})();
