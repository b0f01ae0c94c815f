// The public map: reports of the visible box from /map/reports.json, coloured by status,
// or counts per grid cell when the box holds too many. Text is set as text, never as HTML.
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("map-settings").textContent);
  var element = document.getElementById("public-map");
  var status = document.getElementById("map-status");
  var map = L.map(element, { maxZoom: settings.max_zoom }).setView(settings.center, settings.zoom);
  L.tileLayer(settings.tiles, { attribution: settings.attribution, maxZoom: settings.max_zoom }).addTo(map);
  var layer = L.layerGroup().addTo(map);
  var pending = null;
  window.publicMap = { map: map, layer: layer };

  function say(template, count) {
    return template.replace("{count}", count.toLocaleString());
  }

  function reportLink(receipt) {
    var link = document.createElement("a");
    link.href = settings.report.replace("RECEIPT", encodeURIComponent(receipt));
    link.textContent = receipt + " " + settings.text.open;
    return link;
  }

  function popup(row) {
    var box = document.createElement("div");
    var word = document.createElement("strong");
    word.textContent = settings.statuses[row[3]] || row[3];
    box.appendChild(word);
    box.appendChild(document.createElement("br"));
    box.appendChild(reportLink(row[0]));
    return box;
  }

  function draw(answer) {
    layer.clearLayers();
    answer.reports.forEach(function (row) {
      var colour = settings.colours[row[3]] || "#4b5563";
      L.circleMarker([row[2], row[1]], {
        radius: 9, color: "#ffffff", weight: 2, fillColor: colour, fillOpacity: 1,
        className: "report-marker"
      }).bindPopup(popup(row)).addTo(layer);
    });
    answer.cells.forEach(function (cell) {
      var icon = L.divIcon({ className: "cell-count", html: "", iconSize: [36, 36] });
      var marker = L.marker([cell[1], cell[0]], { icon: icon, keyboard: false, title: say(settings.text.cell, cell[2]) });
      marker.on("add", function () { marker.getElement().textContent = cell[2].toLocaleString(); });
      marker.on("click", function () { map.setView([cell[1], cell[0]], Math.min(map.getZoom() + 2, settings.max_zoom)); });
      marker.addTo(layer);
    });
    status.textContent = say(answer.cells.length ? settings.text.zoom_in : settings.text.shown, answer.count);
  }

  function load() {
    var b = map.getBounds();
    var params = new URLSearchParams(settings.filters);
    params.set("bbox", [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return Math.max(-180, Math.min(180, v)).toFixed(5);
    }).join(","));
    params.set("zoom", String(map.getZoom()));
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(settings.markers + "?" + params.toString(), { signal: pending.signal })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(draw)
      .catch(function (e) { if (e.name !== "AbortError") { status.textContent = settings.text.failed; } });
  }

  map.on("moveend", load);
  load();
})();
