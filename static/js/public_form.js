// The web report form: put the place by a pin on the map or by the phone's location, and
// keep the coordinate fields in step with the pin. Without scripts the fields are typed in.
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("map-settings").textContent);
  var lon = document.getElementById("lon");
  var lat = document.getElementById("lat");
  var status = document.getElementById("pin-status");
  var button = document.getElementById("use-location");
  var map = L.map(document.getElementById("pin-map"), { maxZoom: settings.max_zoom })
    .setView(settings.center, settings.zoom);
  L.tileLayer(settings.tiles, { attribution: settings.attribution, maxZoom: settings.max_zoom }).addTo(map);
  var pin = null;
  window.publicForm = { map: map };

  function place(latlng, move) {
    if (pin) { pin.setLatLng(latlng); } else {
      pin = L.marker(latlng, { draggable: true, title: "pin" }).addTo(map);
      pin.on("dragend", function () { place(pin.getLatLng(), false); });
    }
    lat.value = latlng.lat.toFixed(6);
    lon.value = latlng.lng.toFixed(6);
    status.textContent = lat.value + ", " + lon.value;
    // Straight there: a zoom animation would swallow a tap made while it runs.
    if (move) { map.setView(latlng, Math.max(map.getZoom(), 16), { animate: false }); }
  }

  map.on("click", function (e) { place(e.latlng, false); });
  if (lat.value && lon.value && isFinite(lat.value) && isFinite(lon.value)) {
    place(L.latLng(Number(lat.value), Number(lon.value)), true);
  }
  if (navigator.geolocation) {
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        place(L.latLng(p.coords.latitude, p.coords.longitude), true);
      }, function () { status.textContent = button.dataset.failed || ""; }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
  var photos = document.getElementById("photos");
  photos.addEventListener("change", function () {
    var max = Number(photos.dataset.max);
    photos.setCustomValidity(photos.files.length > max ? photos.dataset.tooMany || "" : "");
  });
})();
