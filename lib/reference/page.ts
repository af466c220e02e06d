/**
 * The interactive API reference (GET /api/docs): Swagger UI, served by the API itself from npm's
 * swagger-ui-dist, reading the OpenAPI document at /api/openapi.json. Nothing is fetched from a CDN: it works
 * offline and under the strict Content-Security-Policy below, which applies to this page and its assets only.
 */

/** The files under /api/docs/ and their media types. */
export const assetTypes: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'reference.js': 'text/javascript; charset=utf-8',
};

export type AssetName = keyof typeof assetTypes;

/** Relative links: the page works under any base path (API Gateway's URL, a custom domain, offline). */
export const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Conduit API reference</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="docs/swagger-ui.css">
  </head>
  <body>
    <div id="reference"></div>
    <script src="docs/swagger-ui-bundle.js"></script>
    <script src="docs/reference.js"></script>
  </body>
</html>
`;

/** Starts Swagger UI: a script of its own, since the policy allows no inline script. */
export const startScript = `window.ui = SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  tryItOutEnabled: false,
});
`;

/**
 * The page's policy: scripts, styles and fonts from the API's own origin only; images from it or inline (the
 * stylesheet's icons are data: URIs); requests only to the API itself ("try it out"). No framing, no forms,
 * no base URL. (Swagger UI sets styles through the DOM, which `style-src 'self'` allows.)
 */
export const contentSecurityPolicy = {
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'font-src': "'self'",
  'connect-src': "'self'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-ancestors': "'none'",
};
