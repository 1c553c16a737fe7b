/* The map of /compare: the places whose holder changed, filled with the new holder's colour and
   ringed with the old one's. Reads the page's JSON twin; text from the data goes in as text nodes. */
(function () {
  'use strict';
  var X = window.tidemarkI18n || { strings: {}, lang: 'en' };  /* static/i18n.js, only for another language */
  function T(s) { var n = arguments[1]; return (X.strings[s] || s).replace('{0}', n); }
  /* another language's plural forms come keyed by CLDR plural category (static/i18n.js) */
  function TN(one, many, n) { var f = X.strings[one]; return T(f ? f[X.rules.select(n)] || f.other : n === 1 ? one : many, n); }
  var sides = {};  /* code -> side, with its names in other languages (sides.csv `names`) */
  function sideName(s) {
    var d = sides[s.side];
    return (d && X.lang !== 'en' && (d.names || {})[X.lang]) || s.side_name || s.side;
  }
  function el(tag, text) { var n = document.createElement(tag); if (text) n.textContent = text; return n; }
  function holder(s) {
    if (!s) return T('unknown');
    if (s.status === 'withdrawn') return T('no holder named');
    if (s.status === 'contested') return T('contested');
    return sideName(s) || T('unknown');
  }
  function boot() {
    var box = document.getElementById('cmp-map');
    if (!box || !window.L) return;
    var map = L.map(box, { zoomSnap: 1, zoomControl: false });
    L.control.zoom({ zoomInTitle: T('Zoom in'), zoomOutTitle: T('Zoom out') }).addTo(map);
    map.setView([34.8, 38.3], 6);
    if (box.dataset.basemap) {
      map.createPane('basemap');
      fetch(box.dataset.basemap).then(function (r) { return r.ok ? r.json() : null; }).then(function (geo) {
        if (!geo) return;
        L.geoJSON(geo, { pane: 'basemap', interactive: false, style: function (f) {
          var p = f.properties || {}, kind = String(p.kind);  // p.style: the layer's look, from the server
          return L.extend({ className: 'bm bm-' + kind, fill: kind === 'land', stroke: kind !== 'land' }, p.style);
        } }).addTo(map);
        box.classList.add('has-basemap');
      }).catch(function () {});
    }
    if (box.dataset.tiles) L.tileLayer(box.dataset.tiles, { maxZoom: 18 }).addTo(map);
    fetch(box.dataset.api).then(function (r) { return r.json(); }).then(function (body) {
      var group = L.featureGroup();
      (body.sides || []).forEach(function (s) { sides[s.code] = s; });
      body.changes.forEach(function (c) {
        if (typeof c.place.lat !== 'number' || typeof c.place.lon !== 'number') return;
        var to = c.to || {}, from = c.from || {};
        var m = L.circleMarker([c.place.lat, c.place.lon], {
          radius: 8, weight: 4, fillOpacity: 0.95,
          fillColor: to.status === 'withdrawn' ? '#ffffff' : (to.colour || '#ffffff'),
          color: from.colour || '#555555',
        });
        var pop = el('div');
        var name = (X.lang !== 'en' && c.place.names && c.place.names[X.lang]) || c.place.name;
        pop.append(el('strong', name), el('div', holder(c.from) + ' → ' + holder(c.to)));
        var link = el('a', TN('{0} report', '{0} reports', c.events.length));
        link.href = '#p-' + c.place.id;
        pop.append(link);
        m.bindPopup(pop);
        m.addTo(group);
        m.on('add', function () { var p = m.getElement(); if (p) p.setAttribute('data-place', c.place.id); });
      });
      group.addTo(map);
      if (group.getLayers().length) map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 9 });
      box.dataset.ready = String(group.getLayers().length);
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot); else boot();
}());
