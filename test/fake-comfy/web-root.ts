/**
 * The fake's web root, like ComfyUI's frontend package: besides the page at `/`, a few files at
 * the paths the official frontend loads them from (its fonts, icon font CSS, cursors, legacy
 * scripts and hashed bundles). ComfyUI serves the folder last, for GET and HEAD, after every API
 * route; a path that is neither is aiohttp's 404.
 */
export const WEB_ROOT_FILES: Readonly<Record<string, { readonly type: string; readonly body: string }>> = {
  '/materialdesignicons.min.css': { type: 'text/css', body: '@font-face{font-family:"Material Design Icons"}\n' },
  '/fonts/inter-latin-400-normal.woff2': { type: 'font/woff2', body: 'wOF2 fake font' },
  '/cursor/grab.svg': { type: 'image/svg+xml', body: '<svg xmlns="http://www.w3.org/2000/svg"/>' },
  '/scripts/api.js': { type: 'application/javascript', body: 'export const api = {};\n' },
  '/assets/index-fake.js': { type: 'application/javascript', body: 'console.log("fake frontend");\n' },
  '/user.css': { type: 'text/css', body: '' },
};
