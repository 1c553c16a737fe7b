/* Starts Swagger UI on /docs (our own file, so the page needs no inline script). */
(function () {
  'use strict';
  function start() {
    var box = document.getElementById('swagger-ui');
    if (!box || !window.SwaggerUIBundle) return;
    window.ui = window.SwaggerUIBundle({
      url: box.dataset.url, dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null,
      presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
      layout: 'BaseLayout'
    });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
