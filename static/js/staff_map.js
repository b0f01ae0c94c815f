// The staff map's reports: fetched for the visible box from /api/reports.geojson, clustered,
// coloured by status. Popups are built with DOM text nodes: report text is never parsed as HTML.
// A box holding more than count.json's limit shows the server's counts per grid cell instead.
(function () {
  "use strict";
  var settings = JSON.parse(document.getElementById("map-settings").textContent);
  var map = window[settings.map];
  var cluster = window[settings.cluster];
  var cells = L.layerGroup().addTo(map);
  var notice = document.getElementById("map-notice");
  var controller = null;
  var timer = null;

  function say(template, count) {
    notice.textContent = template.replace("%(count)s", count === undefined ? "" : count);
  }

  function clamp(value, low, high) { return Math.max(low, Math.min(high, value)); }

  function query() {
    var b = map.getBounds();
    var box = [
      clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
      clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)
    ].map(function (n) { return n.toFixed(6); }).join(",");
    var params = new URLSearchParams(settings.filters);
    params.set("bbox", box);
    return params.toString();
  }

  function getJSON(url, signal) {
    return fetch(url, { signal: signal, credentials: "same-origin" }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.json();
    });
  }

  function line(parent, tag, text) {
    var el = document.createElement(tag);
    el.textContent = text;
    parent.appendChild(el);
    return el;
  }

  function fillPopup(box, facts) {
    box.textContent = "";
    var title = document.createElement("p");
    var link = line(title, "a", facts.receipt_number);
    link.href = facts.url;
    box.appendChild(title);
    line(box, "p", facts.category + " · " + facts.status);
    line(box, "p", facts.age);
    if (facts.note) { line(box, "p", facts.note).className = "note"; }
    if (facts.thumbnail) {
      var img = document.createElement("img");
      img.src = facts.thumbnail;
      img.alt = "";
      box.appendChild(img);
    }
    line(box, "p", "").appendChild(link.cloneNode(false)).textContent = settings.text.open;
  }

  // Built once per marker, filled when the facts arrive: Leaflet calls the content function
  // again on every update, so it must hand back the same element.
  function popupFor(id) {
    var box = null;
    return function (layer) {
      if (box) { return box; }
      box = document.createElement("div");
      box.className = "map-popup";
      box.textContent = settings.text.loading;
      getJSON(settings.popup.replace("/0/", "/" + id + "/")).then(function (facts) {
        fillPopup(box, facts);
        if (layer.isPopupOpen()) { layer.getPopup().update(); }
      }, function () { box.textContent = settings.text.failed; });
      return box;
    };
  }

  function marker(feature) {
    var c = feature.geometry.coordinates;
    var colour = settings.colours[feature.properties.status] || "#333";
    var m = L.circleMarker([c[1], c[0]], {
      radius: 7, color: "#fff", weight: 1, fillColor: colour, fillOpacity: 0.9
    });
    m.feature = feature;
    m.bindPopup(popupFor(feature.id));
    return m;
  }

  // Drawn like the cluster group's own icons (map-cell tells them apart); a click zooms in
  // towards the cell's reports.
  function cell(found) {
    var count = found[2];
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var icon = document.createElement("div");
    line(icon, "span", String(count));
    var at = L.latLng(found[1], found[0]);
    var m = L.marker(at, {
      icon: L.divIcon({ html: icon, className: "map-cell marker-cluster marker-cluster-" + size,
                        iconSize: L.point(40, 40) })
    });
    m.on("click", function () {
      map.setView(at, Math.min(map.getZoom() + 2, map.getMaxZoom()));
    });
    return m;
  }

  function load() {
    if (controller) { controller.abort(); }
    controller = new AbortController();
    var signal = controller.signal;
    var q = query();
    say(settings.text.loading);
    var zoom = "&zoom=" + Math.round(map.getZoom());
    getJSON(settings.count + "?" + q + zoom, signal).then(function (found) {
      if (found.count > found.limit) {
        cluster.clearLayers();
        cells.clearLayers();
        (found.cells || []).forEach(function (c) { cells.addLayer(cell(c)); });
        say(settings.text.zoom_in, found.count);
        return null;
      }
      return getJSON(settings.geojson + "?" + q, signal).then(function (data) {
        cluster.clearLayers();
        cells.clearLayers();
        cluster.addLayers(data.features.filter(function (f) { return f.geometry; }).map(marker));
        say(settings.text.shown, data.features.length);
      });
    }).catch(function (error) {
      if (error.name !== "AbortError") { say(settings.text.failed); }
    });
  }

  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(load, 250);
  });
  load();
}());
