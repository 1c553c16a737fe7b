/* Tidemark in a language other than English (loaded only then, before tidemark.js): the
   interface's strings, which the page carries in #map's data-i18n, and dates in the locale
   (data-locale, e.g. ar-u-nu-latn: CLDR's default digits for Arabic are Latin). */
(function () {
  'use strict';
  var box = document.getElementById('map') || document.getElementById('cmp-map'), d = box ? box.dataset : {};
  var loc = d.locale || document.documentElement.lang, strings = {};
  try { strings = JSON.parse(d.i18n || '{}'); } catch (e) { /* English, then */ }
  var format = new Intl.DateTimeFormat(loc, { dateStyle: 'long', timeZone: 'UTC' });
  window.tidemarkI18n = {
    lang: document.documentElement.lang, loc: loc, strings: strings,
    day: function (iso) { return format.format(new Date(iso + 'T00:00Z')); },
  };
})();
