import { dirname } from 'node:path';
import { Router, static as serveStatic } from 'express';

/** Swagger UI's own files, served from the npm package: the page works without internet access. */
const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'];
const ASSET_DIRECTORY = dirname(require.resolve('swagger-ui-dist/package.json'));

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Leadsy API v1</title>
    <link rel="stylesheet" href="docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="docs/favicon-32x32.png" />
  </head>
  <body>
    <div id="docs"></div>
    <script src="docs/swagger-ui-bundle.js"></script>
    <script src="docs/init.js"></script>
  </body>
</html>
`;

const INIT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#docs', deepLinking: true });
});
`;

/** `/api/v1/docs`: a human-readable reference of the OpenAPI document. */
export function docsRouter(): Router {
  const router = Router();
  const assets = serveStatic(ASSET_DIRECTORY, { index: false, fallthrough: false, maxAge: '1d' });
  router.get('/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('js').send(INIT);
  });
  router.get(
    ASSETS.map((asset) => `/docs/${asset}`),
    (req, res, next) => {
      req.url = req.url.slice('/docs'.length);
      assets(req, res, next);
    },
  );
  return router;
}
