// "Drop a pin": with Leaflet available, a small map fills in the latitude and longitude fields. Without JavaScript
// or Leaflet the form works with the postcode (or typed coordinates) alone.
//
// The map centres on the postcode as soon as it is typed (GET /api/v1/postcodes/{postcode}) and marks its centre. A
// pin further than data-max-distance metres from that centre asks the resident to confirm it ("Yes, the place is
// really here"); the server applies the same rule (submissions/service.require_pin_near_postcode) and refuses an
// unconfirmed far pin, so this only asks earlier. "Remove the pin" leaves the postcode to place it.
(function () {
  "use strict";
  var L = window.L;
  var _ = window.AssetMapDom.t;  /* dom.js */
  var tools = document.getElementById("pin-tools");
  var box = document.getElementById("pin-map");
  var lat = document.getElementById("lat");
  var lon = document.getElementById("lon");
  var postcode = document.getElementById("postcode");
  if (!tools || !box || !lat || !lon || typeof L === "undefined") return;
  var status = document.getElementById("pin-status");
  var remove = document.getElementById("pin-remove");
  var confirmBox = document.getElementById("pin-confirm");
  var confirmed = document.getElementById("position_confirmed");
  var distanceText = document.getElementById("pin-distance");
  var maxDistance = parseFloat(box.dataset.maxDistance) || 2000;
  var FULL_POSTCODE = /^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$/;
  var OUTCODE = /^[A-Z]{1,2}[0-9][A-Z0-9]?$/;

  tools.hidden = false;
  var typed = readPosition();
  var map = L.map(box).setView(typed || [53.4808, -2.2426], typed ? 16 : 12);
  L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: _("© OpenStreetMap contributors") }).addTo(map);
  var pin = typed ? L.marker(typed, { title: _("Your pin"), alt: _("Your pin") }).addTo(map) : null;
  var centre = null;        // {lat, lon, postcode, precision} of the typed postcode, once known
  var centreMarker = null;
  var asked = null;         // the postcode last looked up
  var lookups = 0;          // answers to older look-ups are ignored

  function readPosition() {
    var a = parseFloat(lat.value), b = parseFloat(lon.value);
    return isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180 ? [a, b] : null;
  }

  // Metres on a sphere of the Earth's mean radius: within about 0.5% of the server's ellipsoidal distance.
  function metresBetween(a, b) {
    var rad = Math.PI / 180, dLat = (b[0] - a[0]) * rad, dLon = (b[1] - a[1]) * rad;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
  }

  function setConfirmation(needed, words) {
    if (!confirmBox) return;
    if (needed) {
      if (distanceText) distanceText.textContent = words;
      confirmBox.hidden = false;
    } else {
      confirmBox.hidden = true;
      if (confirmed) confirmed.checked = false;
    }
  }

  function update() {
    if (remove) remove.hidden = !pin;
    if (!status) return;
    if (!pin) {
      if (!centre) status.textContent = _("No pin: the postcode's centre is used.");
      else if (centre.precision === "postcode") status.textContent = _("No pin: the centre of {postcode} is used.", centre);
      else status.textContent = _("No pin: the middle of the {postcode} area is used.", centre);
      setConfirmation(false);
      return;
    }
    if (!centre) {
      status.textContent = _("Pin placed.");
      return;  // nothing to compare with yet: what the server said (if anything) stands
    }
    var metres = metresBetween([centre.lat, centre.lon], [pin.getLatLng().lat, pin.getLatLng().lng]);
    var apart = { distance: window.AssetMapDom.distance(metres), postcode: centre.postcode };
    var words = centre.precision === "postcode"
      ? _("The pin is {distance} from the centre of {postcode}.", apart)
      : _("The pin is {distance} from the middle of the {postcode} area.", apart);
    status.textContent = words;
    // A 1% margin: asking a little early is better than the server refusing what this page let through.
    setConfirmation(metres > maxDistance * 0.99, words + " " + _("Is the place really there? If not, move the pin or correct the postcode."));
  }

  function showBoth() {
    if (!centre) return;
    var here = [centre.lat, centre.lon];
    if (pin) {
      map.fitBounds(L.latLngBounds([here, pin.getLatLng()]), { maxZoom: 16, padding: [30, 30] });
    } else {
      map.setView(here, centre.precision === "postcode" ? 16 : 13);
    }
  }

  function lookUp(force) {
    var key = (postcode && postcode.value || "").replace(/\s+/g, "").toUpperCase();
    if (!FULL_POSTCODE.test(key) && !(force && OUTCODE.test(key))) {
      if (force && !key) forget();
      return;
    }
    if (key === asked) return;
    asked = key;
    var mine = ++lookups;
    fetch("/api/v1/postcodes/" + encodeURIComponent(key), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (found) {
        if (mine !== lookups) return;
        if (!found) { forget(); return; }
        centre = { lat: found.lat, lon: found.lon, postcode: found.postcode, precision: found.precision };
        if (centreMarker) map.removeLayer(centreMarker);
        var label = found.precision === "postcode"
          ? _("Centre of {postcode}", { postcode: found.postcode })
          : _("Middle of {postcode}", { postcode: found.postcode });
        centreMarker = L.marker([found.lat, found.lon], {
          title: label, alt: label, keyboard: false, interactive: false,
          icon: L.divIcon({ className: "pin-centre", html: "", iconSize: [16, 16], iconAnchor: [8, 8] })
        }).addTo(map);
        showBoth();
        update();
      })
      .catch(function () { if (mine === lookups) forget(); });
  }

  function forget() {
    centre = null;
    if (centreMarker) { map.removeLayer(centreMarker); centreMarker = null; }
    update();
  }

  function placePin(at, fillFields) {
    if (pin) pin.setLatLng(at); else pin = L.marker(at, { title: _("Your pin"), alt: _("Your pin") }).addTo(map);
    if (fillFields) {
      lat.value = at.lat.toFixed(6);
      lon.value = at.lng.toFixed(6);
    }
    if (confirmed) confirmed.checked = false;  // a new position is confirmed afresh
    update();
  }

  function removePin() {
    if (pin) { map.removeLayer(pin); pin = null; }
    lat.value = "";
    lon.value = "";
    if (confirmed) confirmed.checked = false;
    update();
  }

  map.on("click", function (event) { placePin(event.latlng, true); });
  if (remove) {
    remove.addEventListener("click", function () {
      removePin();
      box.focus();
    });
  }
  function typedPosition() {
    var at = readPosition();
    if (at) { placePin(L.latLng(at[0], at[1]), false); map.panTo(at); } else if (!lat.value && !lon.value) removePin();
  }
  lat.addEventListener("change", typedPosition);
  lon.addEventListener("change", typedPosition);
  if (postcode) {
    postcode.addEventListener("input", function () { lookUp(false); });
    postcode.addEventListener("change", function () { lookUp(true); });
    lookUp(true);
  }
  update();
})();
