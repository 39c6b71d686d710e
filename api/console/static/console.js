/* Landflow console: progressive enhancement only — every page works without it. */
(function () {
  "use strict";

  // A confirm form sends once: the button is disabled on submit (the idempotency key makes a
  // second send harmless anyway).
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.hasAttribute && form.hasAttribute("data-once")) {
      if (form.dataset.sent) { ev.preventDefault(); return; }
      form.dataset.sent = "1";
      var b = form.querySelector("button[type=submit]");
      if (b) { setTimeout(function () { b.disabled = true; }, 0); }
    }
  });

  var STYLES = {
    land_use: { color: "#8a9a5b", weight: 1, fillOpacity: 0.15 },
    basic_farmland: { color: "#d4a017", weight: 1, fillOpacity: 0.25 },
    ecological_red_line: { color: "#c0392b", weight: 1, fillOpacity: 0.25 },
    development_boundary: { color: "#7f8c8d", weight: 2, dashArray: "6 4", fill: false },
    village_construction: { color: "#8e44ad", weight: 1, fillOpacity: 0.2 }
  };
  var NAMES = { land_use: "三调地类", basic_farmland: "永久基本农田", ecological_red_line: "生态保护红线",
    development_boundary: "城镇开发边界", village_construction: "村庄建设用地" };

  function blankMap(el) {
    // No tiles at all: the county's own layers are the background (no external server).
    return L.map(el, { attributionControl: false, zoomSnap: 0.25 });
  }

  function parcelMap(el) {
    fetch(el.dataset.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (data) {
        var map = blankMap(el);
        var overlays = {};
        Object.keys(data.layers || {}).forEach(function (kind) {
          var layer = L.geoJSON(data.layers[kind], { style: STYLES[kind] || {} });
          overlays[(NAMES[kind] || kind) + " " + data.layers[kind].version] = layer;
          layer.addTo(map);
        });
        var parcel = L.geoJSON(data.parcel, { style: { color: "#0b5cad", weight: 3, fillOpacity: 0.1 } });
        parcel.addTo(map);
        overlays["地块范围"] = parcel;
        L.control.layers(null, overlays, { collapsed: false }).addTo(map);
        L.control.scale({ imperial: false }).addTo(map);
        map.fitBounds(parcel.getBounds(), { padding: [20, 20] });
      });
  }

  function listMap(el) {
    fetch(el.dataset.listGeojson, { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (data) {
        var map = blankMap(el);
        var features = (data.features || []).filter(function (f) { return f.geometry; });
        var layer = L.geoJSON({ type: "FeatureCollection", features: features }, {
          style: { color: "#b3261e", weight: 2, fillOpacity: 0.3 },
          onEachFeature: function (f, l) { if (f.properties && f.properties.code) { l.bindTooltip(String(f.properties.code)); } }
        }).addTo(map);
        L.control.scale({ imperial: false }).addTo(map);
        if (features.length) { map.fitBounds(layer.getBounds(), { padding: [20, 20] }); }
        else { map.setView([30.0, 108.1], 10); }
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var el = document.getElementById("map");
    if (!el || typeof L === "undefined") { return; }
    if (el.dataset.geojson) { parcelMap(el); }
    else if (el.dataset.listGeojson) { listMap(el); }
  });
})();
