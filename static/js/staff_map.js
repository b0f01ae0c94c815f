// The staff map's reports: fetched for the visible box from /api/reports.geojson, clustered,
// coloured by status. Popups are built with DOM text nodes: report text is never parsed as HTML.
// A box holding more than count.json's limit shows the server's counts per grid cell instead.
// Clusters and cells are neutral, so they never read as a status: a cluster's ring shows the
// mix of its reports' statuses. The first view holds the whole service area; the scale is metric.
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

  // Exports busy (429): wait as Retry-After says, a few times, then give up.
  function getJSON(url, signal, tries) {
    tries = tries === undefined ? 3 : tries;
    return fetch(url, { signal: signal, credentials: "same-origin" }).then(function (response) {
      if (response.status === 429 && tries > 0) {
        var wait = Math.min(Number(response.headers.get("Retry-After")) || 1, 10) * 1000;
        return new Promise(function (resolve) { setTimeout(resolve, wait); }).then(function () {
          return getJSON(url, signal, tries - 1);
        });
      }
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
      img.width = 160;
      img.height = 120;
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

  function iconSize(count) {
    var side = count < 10 ? 34 : count < 100 ? 40 : count < 1000 ? 46 : 52;
    return L.point(side, side);
  }

  // A cluster: its count on a neutral disc, ringed by its statuses in proportion.
  function clusterIcon(group) {
    var counts = {};
    var markers = group.getAllChildMarkers();
    markers.forEach(function (m) {
      var status = m.feature.properties.status;
      counts[status] = (counts[status] || 0) + 1;
    });
    var stops = [];
    var done = 0;
    Object.keys(settings.colours).forEach(function (status) {
      if (!counts[status]) { return; }
      var from = done / markers.length * 360;
      done += counts[status];
      stops.push(settings.colours[status] + " " + from + "deg " + done / markers.length * 360 + "deg");
    });
    var ring = document.createElement("div");
    ring.className = "cluster-ring";
    ring.style.background = "conic-gradient(" + stops.join(", ") + ")";
    ring.title = settings.text.cluster.replace("%(count)s", markers.length);
    line(ring, "span", String(markers.length));
    return L.divIcon({ html: ring, className: "map-cluster", iconSize: iconSize(markers.length) });
  }
  cluster.options.iconCreateFunction = clusterIcon;

  // A grid cell's count, drawn like a cluster without a ring; a click zooms in towards it.
  function cell(found) {
    var count = found[2];
    var icon = document.createElement("div");
    icon.className = "cluster-ring";
    line(icon, "span", String(count));
    var at = L.latLng(found[1], found[0]);
    var m = L.marker(at, {
      icon: L.divIcon({ html: icon, className: "map-cluster map-cell", iconSize: iconSize(count) })
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

  L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
  if (settings.bounds) { map.fitBounds(settings.bounds, { animate: false }); }
  map.on("moveend", function () {
    clearTimeout(timer);
    timer = setTimeout(load, 250);
  });
  load();
}());
