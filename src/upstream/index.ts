/** Watches each ComfyUI backend's reachability by probing /system_stats. */
/** JSON calls to one backend (submit, history, queue, interrupt, object_info) with AppError failures. */
export {
  createBackendClient,
  toUpstreamError,
  type BackendClient,
  type BackendRef,
  type JsonResponse,
  type UpstreamHistoryEntry,
  type UpstreamQueue,
} from './backend-client.js';
/** The gateway's reconnecting WebSocket to one backend. */
export { createBackendSocket, type BackendSocket, type BackendSocketHandlers, type UpstreamMessage } from './backend-socket.js';
/** undici's connector with TCP keep-alive set once connected, and an Agent using it. */
export { upstreamConnector, createUpstreamAgent } from './connector.js';
