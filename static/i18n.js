/* Tidemark in a language other than English (loaded only then, before tidemark.js): the
   interface's strings, which /strings/<lang>.js (loaded just before) sets, and dates in the locale
   (data-locale, e.g. ar-u-nu-latn: CLDR's default digits for Arabic are Latin). A plural string
   comes as its forms keyed by CLDR plural category ({"one": …, "few": …, "other": …}), which
   Intl.PluralRules picks. */
(function () {
  'use strict';
  var box = document.getElementById('map') || document.getElementById('cmp-map'), d = box ? box.dataset : {};
  var loc = d.locale || document.documentElement.lang, strings = window.tidemarkStrings || {};
  var format = new Intl.DateTimeFormat(loc, { dateStyle: 'long', timeZone: 'UTC' });
  window.tidemarkI18n = {
    lang: document.documentElement.lang, loc: loc, strings: strings, rules: new Intl.PluralRules(loc),
    day: function (iso) { return format.format(new Date(iso + 'T00:00Z')); },
    /* our own links (a source's page, an event's) keep the page's language */
    link: function (url) { return url[0] === '/' ? url.replace(/^[^#]*/, function (p) { return p + (p.indexOf('?') < 0 ? '?' : '&') + 'lang=' + document.documentElement.lang; }) : url; },
    /* A disagreement (the API's `claims`) in words: "2 reports say held by …, 1 says contested". */
    claims: function (c, names, T, TN) {
      return c.claims.map(function (k, i) {
        var what = k.status === 'held' ? T('held by {0}', k.sides.map(function (x) { return names[x] || x; }).join(' / ')) : T('contested');
        return i ? TN('{0} says {1}', '{0} say {1}', k.sources, what) : TN('{0} report says {1}', '{0} reports say {1}', k.sources, what);
      }).join(T(', '));
    },
  };
})();
