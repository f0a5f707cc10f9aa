/** The durable gateway queue: submit, dispatch to backends, route events, record history. */
export { createGateway, type ClusterView, type Gateway, type GatewayOptions, type QueueSnapshot, type SubmitResult } from './gateway.js';
/** What the queue needs from its surroundings (client sockets, files, validation). */
export type { ClientEvents, ClientMessage, LifecycleEvents, PromptFiles } from './ports.js';
/** ComfyUI's event targeting rules. */
export { targetForEvent, targetForBinary, type Target } from './targets.js';
/** ComfyUI's queue tuple. */
export { promptTuple, type PromptTuple } from './tuples.js';
/** Credentials-free extra_data. */
export { publicExtraData } from './submission.js';
/** A running prompt's progress. */
export type { RunProgress } from './prompt-run.js';
/** Backend state as the queue sees it. */
export type { BackendLink } from './backend-link.js';
/** The backend pool as the API shows it. */
export type { BackendView } from './backend-pool.js';
