/** Serve a folder at `/` as a single-page app (files, clean URLs, index.html fallback). */
export { registerSpa, type SpaOptions, type ServeApp } from './spa.js';
