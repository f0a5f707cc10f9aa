/** Desktop mode: the service on loopback, an app window, a tray icon, one instance per data folder. */
export { runDesktop } from './run.js';
