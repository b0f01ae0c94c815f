// A report's map: its pin, its ward's outline and the open reports around it, with Leaflet
// from static/vendor. The data comes from the page (#report-map-data), the outline from the
// server (cached by the browser for a day). The map element keeps its Leaflet map as
// element.leafletMap, for the browser tests.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-map-data").textContent);
  var element = document.getElementById("report-map");
  var here = [data.lat, data.lon];
  var map = L.map(element, { maxZoom: data.max_zoom, scrollWheelZoom: false }).setView(here, 17);
  element.leafletMap = map;
  L.tileLayer(data.tiles, {
    attribution: data.attribution, maxZoom: data.max_zoom, maxNativeZoom: data.max_zoom
  }).addTo(map);
  L.control.scale({ imperial: false, position: "bottomleft" }).addTo(map);

  if (data.outline) {
    fetch(data.outline, { credentials: "same-origin" })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (outline) {
        if (!outline) { return; }
        L.geoJSON(outline, {
          interactive: false, style: { color: "#1d4ed8", weight: 2, opacity: 0.8, fill: false }
        }).addTo(map);
      });
  }

  data.nearby.forEach(function (other) {
    L.circleMarker([other.lat, other.lon], {
      radius: 7, weight: 2, color: "#ffffff", fillOpacity: 0.9,
      className: "nearby-report status-" + other.status
    }).bindTooltip(other.receipt).on("click", function () {
      window.location.href = other.url;
    }).addTo(map);
  });
  L.marker(here, { keyboard: false, zIndexOffset: 1000, alt: "" }).addTo(map);
}());
