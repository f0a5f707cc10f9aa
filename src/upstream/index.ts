/** Watches each ComfyUI backend's reachability by probing /system_stats. */
export { createBackendMonitor, type BackendMonitor, type BackendHealth, type BackendMonitorOptions } from './backend-monitor.js';
