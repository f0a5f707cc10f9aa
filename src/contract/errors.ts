/** Every error the service answers itself: ComfyUI's shape (`node_errors` beside it for prompts). */
export interface ErrorBody {
  readonly error: { readonly type: string; readonly message: string; readonly details: string; readonly extra_info: Record<string, unknown> };
  readonly [more: string]: unknown;
}
