// The OGC API's HTML pages (templates/ogc/page.html): the page's features on a Leaflet map.
// The features come in the map element's data attributes (no inline script: the CSP allows
// none), in CRS84, as the page draws a map only when its coordinates are lon/lat.
(function () {
  "use strict";
  var element = document.getElementById("ogc-map");
  if (!element || typeof L === "undefined") {
    return;
  }
  var data = JSON.parse(element.getAttribute("data-geojson"));
  var map = L.map(element);
  L.tileLayer(element.getAttribute("data-tiles"), {
    attribution: element.getAttribute("data-attribution"),
    maxZoom: 18,
  }).addTo(map);
  var layer = L.geoJSON(data, {
    pointToLayer: function (feature, latlng) {
      return L.circleMarker(latlng, { radius: 6, color: "#1f4e79", weight: 2 });
    },
    onEachFeature: function (feature, shown) {
      var label = feature.properties && (feature.properties.receipt_number || feature.properties.name_ja);
      shown.bindTooltip(String(label || feature.id));
    },
  }).addTo(map);
  var bounds = layer.getBounds();
  if (bounds.isValid()) {
    map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] });
  } else {
    map.setView([35, 135], 5);
  }
})();
