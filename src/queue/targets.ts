/**
 * ComfyUI's event targeting (PROTOCOL.md): a prompt's events go to its client_id's sockets; a
 * prompt without a client_id has progress, progress_state, previews and execution_interrupted
 * broadcast to everyone, and the rest sent to no one. `status` is always broadcast.
 */
export type Target = { readonly kind: 'client'; readonly clientId: string } | { readonly kind: 'all' } | { readonly kind: 'none' };

const BROADCAST_WITHOUT_CLIENT = new Set(['progress', 'progress_state', 'execution_interrupted']);

/** Where a JSON event of a prompt goes. */
export function targetForEvent(type: string, clientId: string | null): Target {
  if (clientId !== null) return { kind: 'client', clientId };
  return BROADCAST_WITHOUT_CLIENT.has(type) ? { kind: 'all' } : { kind: 'none' };
}

/** Where a binary frame (preview image, progress text) of a prompt goes. */
export function targetForBinary(clientId: string | null): Target {
  return clientId !== null ? { kind: 'client', clientId } : { kind: 'all' };
}
