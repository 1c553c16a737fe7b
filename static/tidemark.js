/* Tidemark: the map, the timeline and the URL state of `/` and `/embed`.
 *
 * Configuration comes from data-* attributes (on #map) and from the form #state, whose
 * inputs hold the URL state: date, place, lat, lon, zoom, include. The map reads the page's
 * JSON twin, /api/control.geojson?date=…[&include=proposed]. HTMX swaps the side panel; this file never builds
 * HTML from strings: every text from the data goes in as a text node.
 */
(function () {
  'use strict';

  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  var KIND_RADIUS = { city: 7, town: 5, village: 4, base: 5, airport: 5, crossing: 4, region: 8 };
  var map = null, layer = null, box = null, token = 0, selected = null, timer = null, playPushed = false;
  var replaceNext = false, playing = false;  /* the history mode of the next panel request */
  var markers = new Map(), features = new Map(), cache = new Map(), colours = {}, names = {}, full = {};
  var big = window.tidemarkLarge, X = window.tidemarkI18n || { strings: {}, lang: 'en', loc: 'en' }, LOC = X.loc, languages = null;
  try { languages = new Intl.DisplayNames([LOC], { type: 'language' }); } catch (e) { /* old browser */ }

  /* The interface's strings: English here; another language's from static/i18n.js (loaded only
     for it). T('Held by {0}', x) fills the {n}. */
  function T(s) {
    var a = arguments;
    return (X.strings[s] || s).replace(/\{(\d)\}/g, function (m, i) { return a[+i + 1]; });
  }

  /* TN('{0} day', '{0} days', n): another language's forms come keyed by CLDR plural category. */
  function TN(one, many, n, x) { var f = X.strings[one]; return T(f ? f[X.rules.select(n)] || f.other : n === 1 ? one : many, n, x); }

  /* A place's (or with k, a side's `name`/`short_name`) name in the interface language, from `names`/`short_names`. */
  function nm(p, k) { k = k || 'name'; return (X.lang !== 'en' && (p[k + 's'] || {})[X.lang]) || p[k]; }

  /* ---- small helpers ---------------------------------------------------- */

  function byId(id) { return document.getElementById(id); }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') node.textContent = v; else node.setAttribute(k, v);
    });
    for (var i = 2; i < arguments.length; i++) {
      if (arguments[i] !== null && arguments[i] !== undefined) node.append(arguments[i]);
    }
    return node;
  }

  function safeUrl(url) {  /* only our own paths (with the page's lang: static/i18n.js) and http(s) links */
    return typeof url === 'string' && /^(https?:\/\/|\/(?!\/))/i.test(url) ? (X.link ? X.link(url) : url) : null;
  }

  function day(iso) {  /* 2024-12-07 -> 7 Dec 2024 (another language: its locale's long date) */
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || '');
    if (m && X.day) return X.day(m[0]);
    return m ? (+m[3]) + ' ' + MONTHS[+m[2] - 1] + ' ' + m[1] : '';
  }

  function language(code) {
    if (!code) return '';
    try { return languages ? languages.of(code) : code; } catch (e) { return code; }
  }

  function snippet(text, n) {
    text = (text || '').replace(/\s+/g, ' ').trim();
    return text.length > n ? text.slice(0, n - 1).replace(/\s\S*$/, '') + '…' : text;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  /* ---- URL state: the form #state --------------------------------------- */

  function form() { return byId('state'); }
  function field(name) { var f = form(); return f ? f.elements[name] : null; }
  function value(name) { var i = field(name); return i && !i.disabled ? i.value : ''; }

  function setField(name, v) {
    var i = field(name);
    if (!i) return;
    i.value = v === null || v === undefined ? '' : String(v);
    i.disabled = i.value === '';
  }

  function stateQuery(extra) {
    var q = new URLSearchParams(new FormData(form()));
    dropEmpty(q);
    Object.keys(extra || {}).forEach(function (k) { q.set(k, extra[k]); });
    return q;
  }

  /* Map moves and selections rewrite the current history entry, never add one, and
     keep the entry's own date: the date is HTMX's to push. */
  function replaceUrl(params) {
    var q = new URLSearchParams(location.search);
    Object.keys(params).forEach(function (k) {
      if (params[k] === null || params[k] === '') q.delete(k); else q.set(k, params[k]);
    });
    history.replaceState(history.state, '', location.pathname + '?' + q.toString());
    updateLinks();
  }

  function updateLinks() {
    var q = stateQuery(), full = new URLSearchParams(q);
    full.delete('slider');
    var link = byId('share-link'), code = byId('share-embed'), open = byId('open-full');
    if (link) link.value = location.origin + '/?' + full;
    if (code) {
      code.value = '<iframe src="' + escapeHtml(location.origin + '/embed?' + full) + '" title="' +
        escapeHtml(code.dataset.title || T('Map')) + '" width="100%" height="480" style="border:0" loading="lazy"></iframe>';
    }
    if (open) open.href = '/?' + full;
    if (byId('print-url')) byId('print-url').textContent = location.origin + '/?' + full;
    var png = byId('share-png');  /* the day's share card, drawn by the server */
    if (png) {
      var p = new URLSearchParams({ date: full.get('date') || '' });
      ['include', 'lang'].forEach(function (k) { if (full.get(k)) p.set(k, full.get(k)); });
      png.href = '/preview.png?' + p;
    }
    var toggle = byId('toggle-include');  /* the same view with unreviewed events, or without */
    if (toggle) {
      if (q.has('include')) q.delete('include'); else q.set('include', 'proposed');
      toggle.href = location.pathname + '?' + q;
    }
    document.querySelectorAll('.langs a').forEach(function (a) { full.set('lang', a.hreflang); a.search = full; });
  }

  /* ---- the timeline ------------------------------------------------------ */

  function slider() { return byId('slider'); }
  var dayList = [], dayBox = null;  /* the day list's options, read again only when it is another list */
  function days() {
    var d = byId('tl-days');
    if (d !== dayBox) { dayBox = d; dayList = d ? Array.prototype.slice.call(d.getElementsByTagName('option')) : []; }
    return dayList;
  }
  function currentIndex() { var s = slider(); return s ? +s.value : -1; }

  function changeIndex(direction) {
    var list = days(), i = currentIndex() + direction;
    for (; i >= 0 && i < list.length; i += direction) {
      if (+list[i].dataset.changes > 0) return i;
    }
    return -1;
  }

  function fitBars() {  /* the number of days, for the CSS that lines the slider up with the bars */
    var section = document.querySelector('.timeline');
    if (section && byId('bars')) section.style.setProperty('--n', String(days().length || 1));
  }

  function updateTimeline(i) {
    var option = days()[i], s = slider();
    if (!option) return;
    if (s) s.setAttribute('aria-valuetext', valueText(option));
    var when = byId('when');
    if (when) { when.textContent = option.label; when.dataset.date = option.dataset.date; }
    document.querySelectorAll('#bars .bar').forEach(function (bar, j) { bar.classList.toggle('sel', j === i); });
    [['prev-change', -1], ['next-change', 1]].forEach(function (pair) {
      var a = byId(pair[0]), j = changeIndex(pair[1]);
      if (!a) return;
      if (j < 0) { a.removeAttribute('href'); a.setAttribute('aria-disabled', 'true'); return; }
      a.href = '/?' + stateQuery({ date: days()[j].dataset.date });
      a.removeAttribute('aria-disabled');
    });
  }

  function valueText(o) {  /* "Saturday 7 December 2024, 5 changes" */
    var n = +o.dataset.changes || 0;
    return o.label + T(', ') + TN('{0} change', '{0} changes', n);
  }

  function onSlide() {
    var option = days()[currentIndex()];
    if (!option) return;
    if (timer && !playing) setPlaying(false);  /* the reader took the slider */
    replaceNext = !!timer && playPushed;
    if (timer) playPushed = true;
    setField('date', option.dataset.date);
    updateTimeline(currentIndex());
    updateLinks();
    load(option.dataset.date);
  }

  /* Move the slider as a user would: HTMX hears the same `input` event. */
  function goTo(i) {
    var s = slider();
    if (!s || i < 0 || i > +s.max || i === +s.value) return;
    s.value = String(i);
    s.dispatchEvent(new Event('input', { bubbles: true }));
  }

  function setPlaying(on) {
    var button = byId('play'), s = slider();
    if (timer) { clearInterval(timer); timer = null; }
    playPushed = false;
    if (button) {
      button.setAttribute('aria-pressed', on ? 'true' : 'false');
      button.firstChild.textContent = on ? '❚❚' : '▶';
      var label = button.querySelector('.wide');
      if (label) label.textContent = ' ' + (on ? T('Pause') : T('Play'));
    }
    if (!on || !s) return;
    timer = setInterval(function () {
      if (currentIndex() >= +s.max) setPlaying(false); else autoStep(currentIndex() + 1);
    }, 1000);
    if (currentIndex() >= +s.max) autoStep(0);  /* at the end: play from the start */
  }

  function autoStep(i) { playing = true; goTo(i); playing = false; }

  /* ---- the map ----------------------------------------------------------- */

  function radius(p) {
    var r = KIND_RADIUS[p.kind] || 5;
    if (p.population) r = Math.max(4, Math.min(12, 3 + 2.6 * Math.log10(p.population / 5000)));
    return Math.round(r * 10) / 10;
  }

  function rank(p) {  /* which labels show at which zoom */
    if ((p.population || 0) >= 400000) return 1;
    if (p.kind === 'city' || (p.population || 0) >= 80000) return 2;
    return 3;
  }

  function style(p) {
    var fill = p.colour || '#9aa0a6', stale = p.freshness === 'last_known';
    var s = { radius: radius(p), color: '#ffffff', weight: 1.5, opacity: 1, fillColor: fill,
      fillOpacity: 0.92, dashArray: null };
    if (p.status === 'contested') {  /* holder inside, challenger as a dashed ring */
      s.color = p.challenger_colour || '#222222'; s.weight = 3; s.dashArray = '4 3';
      s.fillColor = p.colour || '#dddddd';
      if (stale) s.fillOpacity = 0.35;
    } else if (p.status === 'withdrawn') {  /* left, no holder named */
      s.color = colours[p.previous_side] || '#666666'; s.weight = 2; s.dashArray = '2 3';
      s.fillColor = '#ffffff'; s.fillOpacity = 0.7;
      if (stale) s.opacity = 0.6;
    } else if (stale) {  /* last known (baseline only, or no report for days): hollow, long dashes */
      s.color = fill; s.weight = 2; s.opacity = 0.95; s.fillOpacity = 0.18; s.dashArray = '6 3';
    }
    if (p.proposed) {  /* rests on an unreviewed event: a dotted outline */
      if (p.status !== 'contested' && p.status !== 'withdrawn') s.color = '#1c2329';
      s.weight = 2.5; s.opacity = 1; s.dashArray = '1 4';
    }
    return s;
  }

  function statusLine(p) {
    var since = day(p.since), holder = names[p.side] || T(p.side_name), other = T('another side'), gov = T('Government forces');
    if (p.status === 'baseline') return T('Held by {0} at the start ({1})', holder, since);
    if (p.status === 'contested') {
      return T('Contested since {0}: {1} entered', since, names[p.challenger] || p.challenger_name || other) +
        (p.side ? T('; {0} still present', holder) : '');
    }
    if (p.status === 'withdrawn') {
      return T('{0} withdrew on {1}; no new holder named', names[p.previous_side] || gov, since);
    }
    return T('Held by {0} since {1}', holder, since);
  }

  /* How old the claim is ("Last reported 2 Dec 2024, 6 days earlier"), led by "Last known state." past the threshold. */
  function freshnessLine(p) {
    if (!p.last_report) return null;
    var stale = p.freshness === 'last_known';
    return el('p', { class: stale ? 'fresh stale' : 'fresh mut' }, stale ? el('b', { text: T('Last known state.') + ' ' }) : null,
      T('Last reported {0}', day(p.last_report)) + (p.status === 'baseline' ? ' ' + T('(baseline)') : '') + T(', ') +
      (p.age_days ? TN('{0} day earlier', '{0} days earlier', p.age_days) : T('the same day')));
  }

  function badge() {
    return el('span', { class: 'badge', title: T('proposed by the extractor; not yet checked by a person'), text: T('unreviewed') });
  }

  /* An archived article (quote, highlighted on its source page), a cited report (our summary,
     "not archived here") or the baseline reference (its note, and the report of its URL if any). */
  function sourceItem(s, external) {
    var li = el('li', { class: 'k-' + (s.kind || 'article') });
    var href = safeUrl(s.url), meta = [language(s.language), day(s.published)].filter(Boolean).join(' · ');
    if (s.kind === 'baseline' || s.id === null) {
      li.append(el('a', { href: href, target: '_blank', rel: 'noopener noreferrer nofollow', text: T('Baseline reference: {0}', s.outlet) }));
      if (meta) li.append(' ', el('span', { class: 'mut', text: meta }));
      if (s.summary) li.append(el('p', { class: 'sum', text: snippet(s.summary, 200) }));
      return li;
    }
    li.append(el('a', { href: href, class: 'src', target: external ? '_blank' : null, text: s.outlet }));
    if (s.status === 'proposed') li.append(' ', badge());
    li.append(' ', el('span', { class: 'mut', text: meta }));
    if (s.date_precision && s.date_precision !== 'day') {
      var known = 'date known only to the ' + s.date_precision;  /* a whole msgid: see app/i18n.py VOCABULARY */
      li.append(' ', el('abbr', { class: 'flag', title: T(known), text: '±' + T(s.date_precision) }));
    }
    if (s.kind === 'report') {
      li.append(el('span', { class: 'kind', text: T('cited report — not archived here') }));
      li.append(el('p', { class: 'sum', text: snippet(s.summary, 220) }));
    } else {
      li.append(el('q', { lang: s.language, dir: 'auto', text: snippet(s.quote, 220) }));
    }
    var original = safeUrl(s.original_url);
    if (original && /^https?:/i.test(original)) {
      li.append(el('a', { href: original, class: 'orig', target: '_blank', rel: 'noopener noreferrer nofollow', text: T('original') + ' ↗' }));
    }
    if (s.event_id) {  /* the event's own page, /events/{id} */
      li.append(' ', el('a', { href: safeUrl('/events/' + encodeURIComponent(s.event_id)), class: 'evl', target: external ? '_blank' : null, text: T('event') }));
    }
    return li;
  }

  function popupContent(id) {
    var f = features.get(id);
    if (!f) return el('div', { text: '' });
    var p = f.properties, external = !!box.dataset.embed;
    var first = nm(p), second = first !== p.name ? p.name : p.native_name;
    var title = el('h3', null, el('span', { text: first }));
    if (second && second !== first) {
      title.append(' ', el('span', { class: 'nat', lang: second === p.name ? 'en' : box.dataset.native || null, dir: 'auto', text: second }));
    }
    var facts = [T(p.kind), p.governorate ? T('{0} governorate', p.governorate) : '',
      p.population ? T('pop. {0}', p.population.toLocaleString(LOC)) : ''].filter(Boolean).join(' · ');
    var dotClass = 'dot ' + p.status + (p.side ? ' c-' + p.side : '') + (p.challenger ? ' x-' + p.challenger : '') +
      (p.freshness === 'last_known' ? ' lk' : '');
    var n = p.corroboration || 0;
    var counts = [TN('{0} source', '{0} sources', n), TN('{0} outlet', '{0} outlets', p.outlets), TN('{0} language', '{0} languages', p.languages)];
    var trust = p.status === 'baseline' ? T('Source: the baseline reference') : n <= 1 ? T('Single source: not yet corroborated') :
      T('{0}, {1}, {2} agree', counts[0], counts[1], counts[2]);
    var list = el('ol', { class: 'srcs' });
    if (p.sources === null) loadSources(id, p);
    (p.sources || []).forEach(function (s) { list.append(sourceItem(s, external)); });
    var out = el('div', { class: 'pp' }, title,
      el('p', { class: 'mut', text: facts }),
      el('p', { class: 'holder', title: full[p.side] || T(p.side_name) }, el('i', { class: dotClass }), statusLine(p)),
      freshnessLine(p), el('p', { class: n <= 1 && p.status !== 'baseline' ? 'trust flag' : 'trust', text: trust }));
    (p.conflicts || []).forEach(function (c) {  /* reports that disagree, beside the derived state */
      out.append(el('p', { class: 'conflict' }, el('b', { text: T('Reports disagree on {0}:', day(c.date)) + ' ' }),
        X.claims ? X.claims(c, names, T, TN) : c.text));  /* the API's text is English; static/i18n.js words it in another language */
    });
    if (p.proposed) out.append(el('p', { class: 'unrev' }, badge(), ' ' + T('rests on an event not yet checked by a person')));
    out.append(list);
    return out;
  }

  function addMarker(f) {
    var p = f.properties, id = p.id;
    var m = L.circleMarker([f.geometry.coordinates[1], f.geometry.coordinates[0]], style(p));
    var width = Math.max(180, Math.min(320, box.clientWidth - 70));  /* fits a 375 px phone */
    m.bindPopup(function () { return popupContent(id); },
      { maxWidth: width, minWidth: Math.min(220, width), autoPanPadding: [12, 12] });
    m.bindTooltip(document.createTextNode(nm(p)), { permanent: true, direction: 'right', offset: [radius(p), 0],
      className: 'lbl r' + rank(p), interactive: false });
    m.on('popupopen', function () { select(id); });
    m.on('popupclose', function () { if (selected === id) select(null); });
    m.addTo(layer);
    markers.set(id, m);
    return m;
  }

  var gen = 0;  /* render()'s pass: a marker the latest pass did not see is gone */
  function render(fc) {
    var first = markers.size === 0, changed = false, g = ++gen;
    colours = {}; names = {}; full = {};
    (fc.sides || []).forEach(function (s) { colours[s.code] = s.colour; names[s.code] = nm(s, 'short_name') || nm(s); full[s.code] = nm(s); });
    fc.features.forEach(function (f) {
      var p = f.properties;
      features.set(p.id, f);
      var m = markers.get(p.id), key = p.status + ',' + p.side + ',' + p.challenger + ',' + p.previous_side + ',' + p.proposed + ',' + p.colour + ',' + p.freshness;
      if (!m) { m = addMarker(f); changed = true; }
      else if (m.tmKey !== key) m.setStyle(style(p));  /* only what changed (the style's radius included) */
      m.tmKey = key;
      m.tmGen = g;
      var path = m.getElement();
      if (path) {
        path.setAttribute('data-place', p.id);
        path.setAttribute('data-status', p.status);
        path.setAttribute('data-side', p.side || '');
        path.classList.toggle('last-known', p.freshness === 'last_known');
        path.classList.toggle('unrev', !!p.proposed);
        path.classList.toggle('sel', p.id === selected);
        reachable(path, p);
      }
      if (m.isPopupOpen()) m.getPopup().update();
    });
    markers.forEach(function (m, id) {
      if (m.tmGen !== g) { layer.removeLayer(m); markers.delete(id); features.delete(id); changed = true; }
    });
    if (first && box.dataset.fit && markers.size) {  /* small screen, no view in the URL */
      map.off('moveend', onMove);
      map.fitBounds(L.featureGroup(Array.from(markers.values())).getBounds(), { padding: [12, 12], animate: false });
      map.on('moveend', onMove);
    }
    if (changed) declutter();
    applyFilter();
    box.dataset.date = fc.date;  /* tests and the benchmark wait for this */
    box.removeAttribute('data-error');
    showAreas(fc.date);
  }

  /* Keyboard: each marker is a button in the tab order, named by its place and state; Enter opens it. */
  function reachable(e, p) {
    e.tabIndex = 0;
    e.setAttribute('role', 'button');
    e.setAttribute('aria-label', nm(p) + ': ' + statusLine(p));
  }

  /* Filters (side, type, q): the server lists the matching places, best first, in [data-match];
     the other markers dim. A new place search then jumps to its best match. */
  var searched, dimmed = false;
  function applyFilter() {
    var h = (byId('panel') || document).querySelector('[data-match]'), ok = h && h.dataset.match.split(' ');
    if (!ok && !dimmed) return [];  /* nothing to dim or undim: no walk over every marker */
    dimmed = !!ok;
    var keep = new Set(ok);
    markers.forEach(function (m, id) {
      var d = !!ok && !keep.has(id), t = m.getTooltip(), e = m.getElement();
      [e, t && t.getElement()].forEach(function (x) { if (x) x.classList.toggle('dim', d); });
      if (!e && big) big.dim(m, d);  /* a canvas marker: tidemark-large.js */
    });
    return ok || [];
  }

  function afterPanel() {
    var found = applyFilter(), q = value('q');
    if (q && q !== searched && map) showPlace(found[0]);
    searched = q;
  }

  function dropEmpty(p) {  /* unset filters stay out of the URL */
    ['side', 'type', 'q'].forEach(function (k) { if (p.get(k) === '') p.delete(k); });
  }

  /* Approximate areas of control (derived from towns), an optional layer under the markers. */
  var areasLayer = null, areasOn = false, areasDate = null;
  function addAreasControl() {
    if (!box.dataset.areasApi) return;
    map.createPane('areas');
    areasOn = box.dataset.areas === '1';
    var control = L.control({ position: 'topright' });
    control.onAdd = function () {
      var input = el('input', { type: 'checkbox', id: 'areas-toggle' });
      input.checked = areasOn;
      input.addEventListener('change', function () {
        areasOn = input.checked;
        showAreas(box.dataset.date);
      });
      var label = el('label', { class: 'areas-toggle', for: 'areas-toggle' }, input,
        el('span', { text: ' ' + T('Areas') }), el('small', { text: ' ' + T('approximate, derived from towns') }));
      L.DomEvent.disableClickPropagation(label);
      return label;
    };
    control.addTo(map);
  }

  function showAreas(date) {
    if (!map || !box.dataset.areasApi) return;
    if (!areasOn || !date) {
      if (areasLayer) { map.removeLayer(areasLayer); areasLayer = null; areasDate = null; }
      return;
    }
    if (areasDate === date && areasLayer) return;
    var include = box.dataset.include || '';
    fetch(box.dataset.areasApi + '?date=' + encodeURIComponent(date) + (include ? '&include=' + encodeURIComponent(include) : ''))
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (geo) {
        if (!geo || !areasOn || box.dataset.date !== date) return;
        var next = L.geoJSON(geo, {
          pane: 'areas', interactive: false,
          style: function (f) {
            var p = f.properties || {};
            return { className: 'area area-' + String(p.group), fillColor: p.colour || '#888888', stroke: false };
          },
        });
        if (areasLayer) map.removeLayer(areasLayer);
        areasLayer = next.addTo(map);
        areasDate = date;
        box.dataset.areasDate = date;
      }).catch(function () {});
  }

  function getJSON(url) {
    return fetch(url).then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); });
  }

  function loadSources(id, p) {  /* a popup's sources, once per place and day */
    var include = box.dataset.include || '', m = markers.get(id);
    p.sources = [];
    getJSON('/api/places/' + encodeURIComponent(id) + '.geojson?date=' + encodeURIComponent(box.dataset.date) +
      (include ? '&include=' + encodeURIComponent(include) : '')).then(function (f) {
      Object.assign(p, f.properties, { sources: f.properties.sources || [] });  /* the day's whole feature */
      if (m && m.isPopupOpen()) m.getPopup().update();
    }).catch(function () { p.sources = null; });
  }

  function fetchDay(date) {
    var include = box.dataset.include || '';
    if (box.dataset.canvas && window.tidemarkLarge) return window.tidemarkLarge.day(include, date);  /* tidemark-large.js */
    var url = box.dataset.api + '?date=' + encodeURIComponent(date) + (include ? '&include=' + encodeURIComponent(include) : '');
    date = include + date;  /* the cache key */
    if (!cache.has(date)) {
      var request = fetch(url, { headers: { Accept: 'application/geo+json' } }).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      });
      request.catch(function () { cache.delete(date); });
      cache.set(date, request);
    }
    return cache.get(date);
  }

  function prefetchAround(date) {  /* (a large map computes each day itself: nothing to fetch) */
    if (box.dataset.canvas) return;
    var list = days(), i = list.findIndex(function (o) { return o.dataset.date === date; });
    [i + 1, i - 1].forEach(function (j) { if (list[j]) fetchDay(list[j].dataset.date).catch(function () {}); });
  }

  function load(date) {
    var mine = ++token;
    box.dataset.loading = date;
    return fetchDay(date).then(function (fc) {
      if (mine !== token) return;
      render(fc);
      if (selected && markers.has(selected) && !markers.get(selected).isPopupOpen()) markers.get(selected).openPopup();
      setTimeout(function () { prefetchAround(date); }, 50);
    }).catch(function (err) {
      if (mine === token) box.setAttribute('data-error', T('The map data for {0} could not be loaded ({1}).', day(date), err.message));
    });
  }

  function select(id) {
    if (selected === id) return;
    var old = selected && markers.get(selected);
    if (old && old.getElement()) old.getElement().classList.remove('sel');
    selected = id;
    var m = id && markers.get(id);
    if (m && m.getElement()) m.getElement().classList.add('sel');
    setField('place', id);
    replaceUrl({ place: id });
    document.querySelectorAll('#panel li.sel').forEach(function (li) { li.classList.remove('sel'); });
    if (id) {
      document.querySelectorAll('#panel .pl[data-place="' + CSS.escape(id) + '"]').forEach(function (b) {
        b.parentNode.classList.add('sel');
      });
    }
  }

  function showPlace(id) {  /* from the side panel: centre the marker and open its popup */
    var m = markers.get(id);
    if (!m) return;
    if (box.getBoundingClientRect().top < 0) box.scrollIntoView({ block: 'start' });
    map.setView(m.getLatLng(), Math.max(map.getZoom(), 8));
    m.openPopup();
  }

  function zoomClass() {
    var z = map.getZoom();
    box.classList.remove('zl-1', 'zl-2', 'zl-3');
    box.classList.add(z <= 7 ? 'zl-1' : z === 8 ? 'zl-2' : 'zl-3');
    declutter();
  }

  /* Labels never overlap: the most populous place keeps its label, a label that would cover
     one already shown is hidden (class lh); recomputed on every zoom and when markers change. */
  function declutter() {
    var shown = [], pop = function (id) { var p = features.get(id).properties; return (p.population || 0) + (4 - rank(p)) * 1e7; };
    var els = Array.from(markers.keys()).sort(function (a, b) { return pop(b) - pop(a); }).map(function (id) {
      var t = markers.get(id).getTooltip(), e = t && t.getElement();
      if (e) e.classList.remove('lh');
      return e;
    }).filter(Boolean);
    els.map(function (e) { return e.getBoundingClientRect(); }).forEach(function (r, i) {
      if (!r.width) return;
      if (shown.some(function (o) { return r.left < o.right && r.right > o.left && r.top < o.bottom && r.bottom > o.top; })) els[i].classList.add('lh');
      else shown.push(r);
    });
  }

  function onMove() {
    var c = map.getCenter(), z = map.getZoom();
    setField('lat', c.lat.toFixed(4));
    setField('lon', c.lng.toFixed(4));
    setField('zoom', z);
    replaceUrl({ lat: c.lat.toFixed(4), lon: c.lng.toFixed(4), zoom: z });
  }

  function attribution() {
    var text = escapeHtml(box.dataset.attribution || '');
    var url = safeUrl(box.dataset.attributionUrl);
    return url ? '<a href="' + escapeHtml(url) + '" target="_blank" rel="noopener">' + text + '</a>' : text;
  }

  /* The offline basemap (Natural Earth land, water, boundaries) under everything; needs no internet. */
  function addBasemap() {
    var url = box.dataset.basemap;
    if (!url || !window.fetch) return;
    map.createPane('basemap');
    fetch(url).then(function (r) { return r.ok ? r.json() : null; }).then(function (geo) {
      if (!geo || !map) return;
      L.geoJSON(geo, {
        pane: 'basemap', interactive: false,
        style: function (f) {
          var p = f.properties || {}, kind = String(p.kind);  // p.style: the layer's look, from the server
          return L.extend({ className: 'bm bm-' + kind, fill: kind === 'land', stroke: kind !== 'land' }, p.style);
        },
      }).addTo(map);
      map.attributionControl.addAttribution(escapeHtml(box.dataset.basemapAttribution || ''));
      box.classList.add('has-basemap');
    }).catch(function () { /* no basemap: tiles or the plain background remain */ });
  }

  /* Tiles from TILE_URL on top of the basemap; credited only once one has drawn, and a notice if none can. */
  function addTiles() {
    if (!box.dataset.tiles) return;
    var tiles = L.tileLayer(box.dataset.tiles, { maxZoom: 18 }), loaded = 0, failed = 0, notice = null;
    tiles.on('tileload', function () {
      if (!loaded++) map.attributionControl.addAttribution(attribution());
      if (notice) { notice.remove(); notice = null; }
    });
    tiles.on('tileerror', function () {
      if (loaded || notice || ++failed < 2) return;
      notice = L.control({ position: 'bottomleft' });
      notice.onAdd = function () {
        return el('div', { class: 'tile-notice', role: 'status',
          text: box.dataset.basemap ? T('Map tiles could not be loaded; showing the offline basemap.')
            : T('Map tiles could not be loaded (TILE_URL).') });
      };
      notice.addTo(map);
    });
    tiles.addTo(map);
  }

  /* The view the form asks for, or the conflict's default view from #map. */
  function wantedView() {
    var lat = parseFloat(value('lat')), lon = parseFloat(value('lon')), zoom = parseInt(value('zoom'), 10);
    return {
      center: isNaN(lat) || isNaN(lon) ? [+box.dataset.lat, +box.dataset.lon] : [lat, lon],
      zoom: isNaN(zoom) ? +box.dataset.zoom : zoom,
      fromUrl: !isNaN(lat) || !isNaN(zoom),
    };
  }

  /* Each day bar's tooltip, from the day list (not sent twice in the page): "Saturday 7 December 2024 · 27" */
  function barTitles() {
    var list = days();
    document.querySelectorAll('#bars a[data-i]').forEach(function (a) {
      var o = list[+a.dataset.i];
      if (o && !a.querySelector('title')) {
        var t = document.createElementNS('http://www.w3.org/2000/svg', 'title');
        t.textContent = o.label + ' · ' + o.dataset.changes;
        a.prepend(t);
      }
    });
  }

  function boot() {
    barTitles();
    box = byId('map');
    if (!box || !window.L || !form()) return;
    if (map && map.getContainer() === box) { sync(); return; }  /* preserved by hx-preserve */
    map = L.map(box, { zoomSnap: 1, worldCopyJump: true, zoomControl: false, preferCanvas: !!box.dataset.canvas });
    L.control.zoom({ position: box.clientWidth < 500 ? 'bottomright' : 'topleft', zoomInTitle: T('Zoom in'), zoomOutTitle: T('Zoom out') }).addTo(map);
    addBasemap();
    addTiles();
    addAreasControl();
    layer = L.layerGroup().addTo(map);
    if (box.dataset.canvas && big) big.keys(map, markers, function (id) { var p = features.get(id).properties; return nm(p) + ': ' + statusLine(p); }, style);
    var view = wantedView();
    map.setView(view.center, view.zoom, { animate: false });
    if (!view.fromUrl && (box.clientWidth < 700 || box.clientHeight < 420)) box.dataset.fit = '1';
    zoomClass();
    map.on('zoomend', zoomClass);
    map.on('moveend', onMove);
    selected = null;
    searched = value('q');
    var place = value('place');
    if (place) select(place);
    fitBars();
    updateTimeline(currentIndex());
    updateLinks();
    load(value('date') || box.dataset.day);
    /* printing resizes the map: keep its centre and redraw */
    var resize = function () {
      map.off('moveend', onMove); map.invalidateSize({ animate: false }); map.on('moveend', onMove);
      printSources();
    };
    matchMedia('print').addEventListener('change', resize);
    addEventListener('beforeprint', resize);
  }

  /* The printed page's list of sources, built only when printing (no weight on the page): the
     distinct sources behind the day's markers, newest first, as outlet, date and our source URL. */
  var PRINT_SOURCES = 10;
  function printSources() {
    var list = document.querySelector('#panel .po ol');
    if (!list) return;
    var seen = new Map(), baseline = 0;
    features.forEach(function (f) {
      (f.properties.sources || []).forEach(function (s) {
        if (!s.id) { baseline++; return; }
        if (!seen.has(s.id)) seen.set(s.id, s);
      });
    });
    var all = Array.from(seen.values()).sort(function (a, b) {
      return (b.published || '').localeCompare(a.published || '') || String(a.outlet).localeCompare(String(b.outlet));
    });
    list.replaceChildren.apply(list, all.slice(0, PRINT_SOURCES).map(function (s) {
      return el('li', { text: s.outlet + ', ' + (s.published || '') + ': ' + location.origin + '/sources/' + s.id });
    }));
    var more = document.querySelector('#panel .po .more-src');
    if (more) {
      more.textContent = (all.length > PRINT_SOURCES ? T('{0} more sources, and ', all.length - PRINT_SOURCES) : '') +
        (baseline ? T('{0} places as on the baseline date, each citing its own reference.', baseline) : '');
    }
  }

  /* After Back/Forward: HTMX restored the page around the preserved map; follow the form. */
  function sync() {
    setPlaying(false);
    if (value('include') !== (box.dataset.include || '')) {  /* the restored entry shows another layer */
      box.dataset.include = value('include');
      cache.clear();
      if (window.tidemarkLarge) window.tidemarkLarge.reset();
    }
    map.invalidateSize();
    var view = wantedView();
    map.off('moveend', onMove);
    map.setView(view.center, view.zoom, { animate: false });
    map.on('moveend', onMove);
    var place = value('place') || null;
    if (place !== selected) { map.closePopup(); select(place); }
    fitBars();
    updateTimeline(currentIndex());
    updateLinks();
    load(value('date'));
  }

  /* ---- events ------------------------------------------------------------ */

  document.addEventListener('input', function (e) { if (e.target.id === 'slider') onSlide(); });

  document.addEventListener('click', function (e) {
    var t = e.target.closest ? e.target : e.target.parentNode;
    var place = t.closest('.pl');
    if (place && map && markers.has(place.dataset.place)) { e.preventDefault(); showPlace(place.dataset.place); return; }
    var go = t.closest('[data-go]');
    if (go && slider()) {
      e.preventDefault();
      setPlaying(false);
      goTo(changeIndex(go.dataset.go === 'prev' ? -1 : 1));
      return;
    }
    var bar = t.closest('#bars a');
    if (bar && slider()) { e.preventDefault(); setPlaying(false); goTo(+bar.dataset.i); return; }
    if (t.closest('#play')) { setPlaying(!timer); return; }
    var copy = t.closest('[data-copy]');
    if (copy) {
      var source = byId(copy.dataset.copy), status = document.querySelector('.share .copied');
      var done = function () { if (status) status.textContent = T('Copied.'); };
      source.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, function () { document.execCommand('copy'); done(); });
      } else { document.execCommand('copy'); done(); }
    }
  });

  document.addEventListener('toggle', function (e) {
    if (e.target.classList && e.target.classList.contains('share')) updateLinks();
  }, true);

  document.addEventListener('htmx:historyRestore', function () { boot(); });
  document.addEventListener('htmx:afterSettle', afterPanel);
  document.addEventListener('submit', function (e) { if (e.target === form()) e.preventDefault(); });  /* Enter in the search: HTMX has it */
  document.addEventListener('htmx:configRequest', function (e) { if (e.detail.elt === form()) dropEmpty(e.detail.parameters); });
  document.addEventListener('keydown', function (e) {  /* Enter or Space on a marker opens its popup */
    var m = e.target.closest && e.target.closest('#map') && markers.get(e.target.dataset.place);
    if (m && /^(Enter| )$/.test(e.key)) { e.preventDefault(); m.openPopup(); }
  });

  /* Playing adds one history entry (its first day) and then replaces it day by day, so Back
     returns to where the reader pressed Play. Decided per request, applied to its response. */
  document.addEventListener('htmx:beforeRequest', function (e) {
    if (e.detail.elt === form()) e.detail.xhr.tidemarkReplace = replaceNext;
  });
  document.addEventListener('htmx:beforeOnLoad', function (e) {
    var f = e.detail.elt;
    if (f !== form() || !f.hasAttribute('data-push')) return;
    if (e.detail.xhr.tidemarkReplace) { f.removeAttribute('hx-push-url'); f.setAttribute('hx-replace-url', 'true'); }
    else { f.removeAttribute('hx-replace-url'); f.setAttribute('hx-push-url', 'true'); }
  });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
