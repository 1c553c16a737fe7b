/* Tidemark, large maps: loaded only when #map has data-canvas (above 1,000 places).
 *
 * Every place (/api/places.json) and every control period (/api/periods.json) load once; each
 * day is then computed here, with the meaning of /api/control.geojson: the side shown (for a
 * held place, the one most reports name by that day), status, coalition, challenger, the
 * sources, outlets and languages reported by the day (single source or not), the last report,
 * its age and the freshness (`last_known` past the server's stale_after_days, or on the
 * baseline alone), and whether an unreviewed event supports it. static/tidemark.js draws the
 * result exactly as it draws the GeoJSON, so both modes show the same marks. A slider step
 * fetches nothing; a popup fetches its place's sources (/api/places/{id}.geojson).
 *
 * Tests and tools may add an element #map-state: each computed day is then written into it as
 * JSON (place id -> its state), with data-date; without it nothing is written.
 */
(function () {
  'use strict';

  var compact = null, DAY = 864e5;

  function getJSON(url) {
    return fetch(url).then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); });
  }

  function data(include) {
    if (!compact) {
      compact = Promise.all([getJSON('/api/places.json'),
        getJSON('/api/periods.json' + (include ? '?include=' + encodeURIComponent(include) : ''))]).then(function (a) {
        var info = {}, byPlace = [], side = {}, pe = a[1];
        a[0].places.forEach(function (r) { info[r[0]] = r; });
        pe.periods.forEach(function (r) { (byPlace[r[0]] = byPlace[r[0]] || []).push(r); });
        pe.side_info.forEach(function (s) { side[s.code] = s; });
        return { pe: pe, info: info, byPlace: byPlace, side: side, start: Date.parse(pe.start), iso: [], geo: [] };
      });
      compact.catch(function () { compact = null; });
    }
    return compact;
  }

  function iso(c, d) {  /* day offset -> YYYY-MM-DD, each computed once */
    return c.iso[d] || (c.iso[d] = new Date(c.start + d * DAY).toISOString().slice(0, 10));
  }

  /* The last row of `list` whose column `col` is <= d (rows are in date order): a binary search. */
  function lastUpTo(list, col, d) {
    var lo = 0, hi = list.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (list[mid][col] <= d) lo = mid + 1; else hi = mid;
    }
    return lo ? list[lo - 1] : null;
  }

  function day(c, date) {
    var pe = c.pe, d = Math.round((Date.parse(date) - c.start) / DAY), features = [];
    c.byPlace.forEach(function (list, k) {
      var r = lastUpTo(list, 1, d);
      if (!r || (r[2] !== null && d >= r[2])) return;
      var s = lastUpTo(r[9], 0, d), status = pe.statuses[r[3]], id = pe.places[k];
      var q = c.info[id] || [id, id, '', 0, 0], h = c.side[pe.sides[s ? s[1] : r[4]]], x = c.side[pe.sides[r[5]]];
      var last = s ? s[0] : r[1], age = d - last, n = s ? s[2] : 0;
      var g = c.geo[k] || (c.geo[k] = { type: 'Point', coordinates: [q[3], q[4]] });  /* a place's, once */
      features.push({ id: id, geometry: g, properties: {
        id: id, name: q[1], native_name: q[2], kind: q[5], population: q[6], governorate: q[7],
        side: h ? h.code : null, side_name: h ? h.name : (status === 'withdrawn' ? 'No holder named' : 'Unknown'),
        colour: h ? h.colour : null,
        coalition: status === 'contested' ? 'contested' : status === 'withdrawn' ? 'unknown' : (h ? h.coalition : 'unknown'),
        status: status, challenger: x ? x.code : null, challenger_name: x ? x.name : null,
        challenger_colour: x ? x.colour : null, previous_side: pe.sides[r[6]] || null,
        since: iso(c, r[1]), until: r[2] === null ? null : iso(c, r[2]),
        corroboration: n, outlets: s ? s[3] : 0, languages: s ? s[4] : 0, single_source: n <= 1,
        last_report: iso(c, last), age_days: age,
        freshness: status === 'baseline' || age > pe.stale_after_days ? 'last_known' : 'reported',
        proposed: !!(s && s[5]), sources: null } });
    });
    return { date: date, sides: pe.side_info, features: features };
  }

  /* A step to a day computed ahead (below) takes it; any other computes it now. */
  var ahead = null, last = null, job = 0, known = {};
  function dayOf(c, include, date) {
    var fc = ahead && ahead.c === c && ahead.key === include + '|' + date ? ahead.fc : day(c, date);
    ahead = null;
    show(date, fc.features);
    later(c, include, date);
    return fc;
  }

  /* After a step's frame, when the page is idle: the next day in the direction of that step (the
     slider's next or previous day) is computed, and on a pixel-painting canvas its markers are blended
     (Sprites._prepare), so stepping on, or Play, finds them ready. Costs ~7 ms of idle time per step. */
  function later(c, include, date) {
    var list = document.getElementById('tl-days'), opts = list ? list.options : [], i, dir = last !== null && date < last ? -1 : 1;
    last = date;
    for (i = 0; i < opts.length && opts[i].dataset.date !== date; i++);
    var next = opts[i + dir] && opts[i + dir].dataset.date, mine = ++job;
    if (!next || !known.markers) return;
    var idle = window.requestIdleCallback || function (f) { return setTimeout(f, 1); };
    requestAnimationFrame(function () {
      setTimeout(function () {
        idle(function () {
          if (mine !== job) return;
          var fc = day(c, next), r = window.tidemarkLarge.renderer;
          ahead = { c: c, key: include + '|' + next, fc: fc };
          if (r && r._map && known.look) r._prepare(fc.features, known.markers, known.look);
        }, { timeout: 500 });
      });
    });
  }

  function show(date, features) {  /* only when a test or tool asked for it */
    var out = document.getElementById('map-state');
    if (!out) return;
    var all = {};
    features.forEach(function (f) { all[f.id] = f.properties; });
    out.textContent = JSON.stringify(all);
    out.dataset.date = date;
  }

  /* The markers' canvas. Leaflet's canvas renderer draws each circle as a path (arc, fill, then a
     stroke, often dashed); with 5,000 overlapping markers a repaint is then mostly a software
     rasterizer stroking dashed rings. Here each distinct look (radius, fill, outline, its width,
     opacity and dashes) is drawn once into a small bitmap, with Leaflet's own fill and stroke, and
     every marker of that look is a copy of it, on whole pixels as Leaflet places its circles.
     Copies by drawImage still cost ~2 µs each in Chromium without a GPU (recorded, then rasterized),
     so by default (`pixels`) a redraw writes the pixels itself: each look's non-transparent pixels
     are kept once, premultiplied; every marker in Leaflet's drawing order is blended ("source
     over", as the canvas does) into one buffer covering the box of all markers (and the previous
     box, to clear it), which is written with ONE putImageData. A redraw always paints the whole
     box: Leaflet's partial redraws (`_redrawBounds`) give the same picture. If a layer is not a
     round circle, on a retina screen (4 times the pixels to blend) or a big-endian platform, the
     drawImage path draws instead (`pixels` false; the benchmark compares both). Clicks, popups
     and tooltips are Leaflet's own (found by geometry, not by pixels). The map's markers use it
     when #map has data-canvas; the areas' and basemap's panes keep their own renderers. */
  var LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1, UNPM = new Float64Array(256);
  for (var q = 1; q < 256; q++) UNPM[q] = 255 / q;

  var Sprites = window.L && L.Canvas.extend({
    pixels: LE && !L.Browser.retina,  /* (a retina canvas has 4 times the pixels: drawImage there) */
    _updateStyle: function (layer) {  /* a new look: find its sprite on the next draw */
      layer._sprite = null;
      L.Canvas.prototype._updateStyle.call(this, layer);
    },
    _spriteOf: function (layer, r) {
      var s = layer._sprite;
      if (!s || s.r !== r) s = layer._sprite = this._look(layer, r);
      return s;
    },
    _look: function (layer, r) {  /* the sprite of a layer's options (one per distinct look) */
      var o = layer.options, key = [r, o.fill, o.fillColor, o.fillOpacity, o.stroke, o.weight, o.color, o.opacity,
        o.dashArray, o.lineCap, o.lineJoin].join('|');
      return (this._sprites = this._sprites || {})[key] || (this._sprites[key] = sprite(this, layer, r));
    },
    _updateCircle: function (layer) {  /* the drawImage path */
      if (!this._drawing || layer._empty()) return;
      var r = Math.max(Math.round(layer._radius), 1), p = layer._point;
      if ((Math.max(Math.round(layer._radiusY), 1) || r) !== r) return L.Canvas.prototype._updateCircle.call(this, layer);
      var s = this._spriteOf(layer, r);
      this._ctx.globalAlpha = 1;
      this._ctx.drawImage(s.img || (s.img = image(s)), p.x - s.half, p.y - s.half, 2 * s.half, 2 * s.half);
    },
    _extendRedrawBounds: function (layer) {  /* pixels: every redraw paints the whole box, no bounds to keep */
      if (!this.pixels) L.Canvas.prototype._extendRedrawBounds.call(this, layer);
    },
    _update: function () {
      if (!(this._map._animatingZoom && this._bounds)) this._box = null;  /* the canvas is reset: nothing to clear */
      L.Canvas.prototype._update.call(this);
    },
    _clear: function () {
      if (!this.pixels) L.Canvas.prototype._clear.call(this);
    },
    _draw: function () {
      if (this.pixels && this._paint()) return;
      if (this.pixels || this._box) {  /* the pixels' box is not Leaflet's: clear everything, draw everything */
        this._redrawBounds = null;
        L.Canvas.prototype._clear.call(this);
        this._box = null;
      }
      L.Canvas.prototype._draw.call(this);
    },
    /* Where each marker goes, in Leaflet's drawing order: its sprite and canvas position, three
       entries each, into `list`, with the box around them (clipped to the canvas); null if a layer
       cannot be drawn as a sprite. `lookOf(layer)` gives a layer's sprite, or null. */
    _layout: function (list, lookOf) {
      var c = this._container, W = c.width, H = c.height, m = L.Browser.retina ? 2 : 1, o = this._bounds.min;
      var n = 0, x0 = W, y0 = H, x1 = 0, y1 = 0, order, layer, s, x, y;
      for (order = this._drawFirst; order; order = order.next) {
        layer = order.layer;
        if (!(layer instanceof L.CircleMarker)) return null;
        if (!layer._point) continue;
        if (!(s = lookOf.call(this, layer))) return null;
        x = m * (layer._point.x - s.half - o.x); y = m * (layer._point.y - s.half - o.y);
        if (x >= W || y >= H || x + s.size <= 0 || y + s.size <= 0 || !s.n) continue;
        list[n++] = s; list[n++] = x; list[n++] = y;
        if (x < x0) x0 = x;
        if (y < y0) y0 = y;
        if (x + s.size > x1) x1 = x + s.size;
        if (y + s.size > y1) y1 = y + s.size;
      }
      return { n: n, box: [Math.max(x0, 0), Math.max(y0, 0), Math.min(x1, W), Math.min(y1, H)] };
    },
    _ownLook: function (layer) {  /* a layer's sprite as it is styled now; null if not a round circle */
      var r = Math.max(Math.round(layer._radius), 1);
      return (Math.max(Math.round(layer._radiusY), 1) || r) === r ? this._spriteOf(layer, r) : null;
    },
    /* Every marker blended into one buffer, written once; false (nothing drawn) if one is not a round circle. */
    _paint: function () {
      var c = this._container, W = c.width, H = c.height, list = this._list || (this._list = []);
      var at = this._layout(list, this._ownLook);
      if (!at) return false;
      var n = at.n, x0 = at.box[0], y0 = at.box[1], x1 = at.box[2], y1 = at.box[3], y;
      var old = this._box, box = n ? at.box : null;
      this._box = box;
      if (old) {  /* clear what the last redraw painted, too */
        if (box) box = [Math.min(x0, old[0]), Math.min(y0, old[1]), Math.max(x1, old[2]), Math.max(y1, old[3])];
        else box = old;
        box = [Math.max(box[0], 0), Math.max(box[1], 0), Math.min(box[2], W), Math.min(box[3], H)];
      }
      this._redrawBounds = null;
      if (!box || box[2] <= box[0] || box[3] <= box[1]) return true;
      if (!this._img || this._img.width !== W || this._img.height !== H) {
        this._img = new ImageData(W, H);
        this._buf = new Uint32Array(this._img.data.buffer);
        this._ready = null;
      }
      var buf = this._buf, bx0 = box[0], by0 = box[1], bx1 = box[2], by1 = box[3], a = this._ready;
      this._ready = null;
      for (y = by0; y < by1; y++) buf.fill(0, y * W + bx0, y * W + bx1);
      if (a && a.n === n && a.w === W && a.h === H && same(a.list, list, n)) {  /* blended ahead: the very same marks */
        for (y = y0; y < y1; y++) buf.set(a.px.subarray((y - y0) * (x1 - x0), (y - y0 + 1) * (x1 - x0)), y * W + x0);
      } else {
        blend(buf, this._img.data, W, H, list, n, at.box);
      }
      this._ctx.putImageData(this._img, 0, 0, bx0, by0, bx1 - bx0, by1 - by0);
      return true;
    },
    /* The pixels of a day the reader is likely to show next (the next day in the direction of the last
       step), blended while the page is idle: `features` that day's, `look` static/tidemark.js's style of
       a feature. The next redraw uses them only if every marker then has exactly the look and place
       assumed here (same sprites, same positions, same order); anything else (a filter's dimming, a
       pan, another day) blends as usual. */
    _prepare: function (features, markers, look) {
      var c = this._container, W = c.width, H = c.height, want = new Map(), list = [], k, layer;
      if (!this.pixels || !this._img || this._img.width !== W || this._img.height !== H) return;
      for (k = 0; k < features.length; k++) {
        layer = markers.get(features[k].properties.id);
        if (!layer) return;
        want.set(layer, features[k].properties);
      }
      if (want.size !== markers.size) return;
      var at = this._layout(list, function (layer) {  /* the look it will have on that day */
        var f = want.get(layer);
        if (!f || layer._radiusY) return null;
        var fake = { options: L.extend({}, layer.options, look(f)) };
        this._updateDashArray(fake);
        return this._look(fake, Math.max(Math.round(fake.options.radius), 1));
      });
      if (!at) return;
      var n = at.n, x0 = at.box[0], y0 = at.box[1], x1 = at.box[2], y1 = at.box[3], y;
      if (!n || x1 <= x0 || y1 <= y0) return;
      var spare = this._spare && this._spare.width === W && this._spare.height === H ? this._spare : (this._spare = new ImageData(W, H));
      var buf = new Uint32Array(spare.data.buffer), px = new Uint32Array((x1 - x0) * (y1 - y0));
      for (y = y0; y < y1; y++) buf.fill(0, y * W + x0, y * W + x1);
      blend(buf, spare.data, W, H, list, n, at.box);
      for (y = y0; y < y1; y++) px.set(buf.subarray(y * W + x0, y * W + x1), (y - y0) * (x1 - x0));
      this._ready = { list: list, n: n, w: W, h: H, px: px };
    },
  });

  /* Every listed look (sprite, x, y) blended in order into `buf` (cleared), then made straight alpha in `box`. */
  function blend(buf, u8, W, H, list, n, box) {
    for (var i = 0, s, x, y; i < n; i += 3) {
      s = list[i]; x = list[i + 1]; y = list[i + 2];
      if (x >= 0 && y >= 0 && x + s.size <= W && y + s.size <= H) over(buf, y * W + x, offsets(s, W), s.px, s.n);
      else overClipped(buf, W, H, x, y, s.dx, s.dy, s.px, s.n);
    }
    for (y = box[1]; y < box[3]; y++) unpremultiply(buf, u8, y * W + box[0], y * W + box[2]);
  }

  function same(a, b, n) {
    for (var i = 0; i < n; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  /* Premultiplied "source over" of one look's pixels at `base` (v + d * (1 - a), two channels at a time, rounded). */
  function over(buf, base, off, px, n) {
    for (var k = 0; k < n; k++) {
      var j = base + off[k], v = px[k], a = v >>> 24, d = buf[j];
      if (a === 255 || d === 0) { buf[j] = v; continue; }
      var inv = 255 - a, rb = (d & 0xff00ff) * inv, ag = ((d >>> 8) & 0xff00ff) * inv;
      rb = ((rb + ((rb >>> 8) & 0xff00ff) + 0x800080) >>> 8) & 0xff00ff;
      ag = ((ag + ((ag >>> 8) & 0xff00ff) + 0x800080) >>> 8) & 0xff00ff;
      buf[j] = v + (rb | (ag << 8));
    }
  }

  function overClipped(buf, W, H, x, y, dx, dy, px, n) {  /* the same, for a look partly outside the canvas */
    for (var k = 0; k < n; k++) {
      var xx = x + dx[k], yy = y + dy[k];
      if (xx >= 0 && yy >= 0 && xx < W && yy < H) over(buf, yy * W + xx, ZERO, px.subarray(k, k + 1), 1);
    }
  }
  var ZERO = new Int32Array(1);

  function unpremultiply(buf, u8, j, end) {  /* ImageData is not premultiplied (and a clamped array rounds) */
    for (; j < end; j++) {
      var a = buf[j] >>> 24;
      if (a === 0 || a === 255) continue;
      var f = UNPM[a], k = j << 2;
      u8[k] *= f; u8[k + 1] *= f; u8[k + 2] *= f;
    }
  }

  function offsets(s, W) {  /* a look's pixels as offsets in a buffer W pixels wide */
    if (s.w !== W) {
      s.off = new Int32Array(s.n);
      for (var k = 0; k < s.n; k++) s.off[k] = s.dy[k] * W + s.dx[k];
      s.w = W;
    }
    return s.off;
  }

  var scratch = null;  /* one small canvas draws every look */
  function sprite(renderer, layer, r) {
    var o = layer.options, half = Math.ceil(r + (o.stroke ? o.weight / 2 : 0) + 1), m = L.Browser.retina ? 2 : 1;
    var size = 2 * half * m;
    if (!scratch || scratch.canvas.width < size) {
      var canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(size, size) : document.createElement('canvas');
      canvas.width = canvas.height = Math.max(size, 64);
      scratch = canvas.getContext('2d', { willReadFrequently: true });
    }
    var ctx = scratch;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, size, size);
    ctx.scale(m, m);
    ctx.beginPath();
    ctx.arc(half, half, r, 0, Math.PI * 2, false);
    renderer._fillStroke(ctx, layer);
    /* its non-transparent pixels, premultiplied as the canvas keeps them */
    var raw = ctx.getImageData(0, 0, size, size), data = new Uint8ClampedArray(raw.data), u32 = new Uint32Array(data.buffer);
    var px = [], dx = [], dy = [];
    for (var i = 0, q = 0; q < u32.length; q++, i += 4) {
      var a = data[i + 3];
      if (!a) continue;
      data[i] = Math.round(data[i] * a / 255); data[i + 1] = Math.round(data[i + 1] * a / 255);
      data[i + 2] = Math.round(data[i + 2] * a / 255);
      px.push(u32[q]); dx.push(q % size); dy.push((q / size) | 0);
    }
    return { raw: raw, img: null, half: half, r: r, size: size, n: px.length,
      px: new Uint32Array(px), dx: new Int32Array(dx), dy: new Int32Array(dy), w: 0, off: null };
  }

  function image(s) {  /* the look as a bitmap, for the drawImage path */
    var canvas = document.createElement('canvas');
    canvas.width = canvas.height = s.size;
    canvas.getContext('2d').putImageData(s.raw, 0, 0);
    return canvas;
  }

  if (Sprites) {
    L.Map.addInitHook(function () {
      if (this.getContainer().dataset.canvas && !this.options.renderer) {
        this.options.renderer = window.tidemarkLarge.renderer = new Sprites();  /* (kept for tests and tools) */
      }
    });
  }

  /* Filters: a canvas marker has no element to take the class `dim` (as the SVG markers do), so a
     marker that does not match dims through its style (Leaflet's setStyle, which the renderer
     draws): its outline and fill opacities times DIM, the same 15 % as the SVG markers; its own
     come back when it matches again. A restyle for a new day resets them; the filter then dims it
     again (static/tidemark.js applyFilter walks the markers only while a filter is set). */
  var DIM = 0.15;
  function dimmed(m) {  /* still dimmed by us (not restyled since) */
    var o = m.options, w = m.tmDim;
    return !!w && o.opacity === w[0] && o.fillOpacity === w[1];
  }
  function dim(m, d) {
    if (d === dimmed(m)) return;
    var o = m.options, w = m.tmDim;
    if (d) m.tmDim = w = [o.opacity * DIM, o.fillOpacity * DIM, o.opacity, o.fillOpacity];
    m.setStyle({ opacity: w[d ? 0 : 2], fillOpacity: w[d ? 1 : 3] });
  }

  /* Keyboard on a large map (canvas markers cannot take focus; 5,000 tab stops would trap a reader
     anyway): the map is one tab stop, an application (role) described by its keys.
     There the arrow keys move a focus ring to the nearest place in that direction (the first press:
     the place nearest the centre; only the places a filter keeps, when one is set), pan the map to
     it if needed and announce its name and state in a live region; Enter or Space opens its popup
     (Tab then enters the popup: its sources); Escape closes the popup and returns to the map.
     Shift with an arrow pans and + / - zoom (Leaflet's keys). The ring is one SVG circle in a pane
     of its own, above the markers' canvas and transparent to the mouse. */
  var ARROWS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  function keys(map, markers, label, look) {
    known = { markers: markers, look: look };
    var box = map.getContainer(), X = window.tidemarkI18n || { strings: {} };
    var T = function (s) { return X.strings[s] || s; };
    var cur = null, ring = null, popup = null, kbd = false, pane = map.createPane('tmFocus');
    var svg = L.svg({ pane: 'tmFocus' }), hidden = { position: 'absolute', width: '1px', height: '1px', overflow: 'hidden', clipPath: 'inset(50%)', whiteSpace: 'nowrap' };
    pane.style.zIndex = 450;
    pane.style.pointerEvents = 'none';
    var help = L.DomUtil.create('div', '', box), live = L.DomUtil.create('div', 'map-live', box);
    Object.assign(help.style, hidden);
    Object.assign(live.style, hidden);
    help.id = 'map-keys';
    help.textContent = T('Arrow keys move between places, Enter or Space opens the place, Escape closes it; Shift with an arrow key pans the map, + and - zoom.');
    live.setAttribute('aria-live', 'polite');
    box.setAttribute('role', 'application');  /* (its name, from the page: "Map: who held each place") */
    box.setAttribute('aria-describedby', help.id);

    function drawRing() {
      var m = cur && markers.get(cur), on = m && kbd && box.contains(document.activeElement);
      if (!on) { if (ring) ring.remove(); ring = null; return; }
      var r = m.getRadius() + 4;
      if (ring) ring.setLatLng(m.getLatLng()).setRadius(r);
      else ring = L.circleMarker(m.getLatLng(), { renderer: svg, pane: 'tmFocus', interactive: false, fill: false,
        color: '#000', weight: 3, opacity: 1, radius: r, className: 'map-focus' }).addTo(map);
    }
    function go(id, quiet) {
      var m = markers.get(id);
      cur = box.dataset.focus = id;  /* (for tests and tools) */
      if (!quiet) { map.panInside(m.getLatLng(), { padding: [40, 40] }); live.textContent = label(id); }
      drawRing();
    }
    function nearest(dx, dy) {  /* the closest place ahead, sideways distance counting double */
      var from = cur && markers.get(cur), o = from ? map.latLngToContainerPoint(from.getLatLng()) : map.getSize().divideBy(2);
      var best = null, score = Infinity;
      markers.forEach(function (m, id) {
        if (m === from || dimmed(m)) return;
        var p = map.latLngToContainerPoint(m.getLatLng()), x = p.x - o.x, y = p.y - o.y;
        var ahead = x * dx + y * dy, s = from ? ahead + 2 * Math.abs(x * dy - y * dx) : x * x + y * y;
        if ((!from || ahead > 0) && s < score) { score = s; best = id; }
      });
      return best;
    }

    map.on('popupopen', function (e) {  /* opened by a click or the panel: the keys go on from there */
      popup = e.popup;
      markers.forEach(function (m, id) { if (m === e.popup._source && id !== cur) go(id, true); });
    });
    map.on('popupclose', function (e) { if (popup === e.popup) popup = null; });
    new MutationObserver(drawRing).observe(box, { attributeFilter: ['data-date'] });  /* a new day: its size, or gone */
    box.addEventListener('mousedown', function () { kbd = false; drawRing(); });
    box.addEventListener('focusin', drawRing);
    box.addEventListener('focusout', function (e) { if (!box.contains(e.relatedTarget)) { kbd = false; drawRing(); } });
    box.addEventListener('keydown', function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      if (e.key === 'Escape' && popup) {
        map.closePopup(); box.focus();
      } else if (e.target !== box || (e.shiftKey && ARROWS[e.key])) {
        return;  /* keys inside the popup, and Leaflet's panning */
      } else if (ARROWS[e.key]) {
        kbd = true;
        var id = nearest(ARROWS[e.key][0], ARROWS[e.key][1]);
        if (id) go(id);
        else { drawRing(); live.textContent = cur ? T('No other place in that direction.') : T('No place on the map.'); }
      } else if ((e.key === 'Enter' || e.key === ' ') && cur && markers.has(cur)) {
        markers.get(cur).openPopup();
      } else return;
      e.preventDefault();
      e.stopPropagation();  /* not Leaflet's arrow keys, which pan */
    });
  }

  window.tidemarkLarge = {
    day: function (include, date) { return data(include).then(function (c) { return dayOf(c, include, date); }); },
    reset: function () { compact = null; ahead = null; },
    dim: dim,
    keys: keys,
  };
})();
