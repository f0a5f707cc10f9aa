/**
 * What the gateway announces in GET /features and in its WebSocket `feature_flags` answer:
 * ComfyUI 0.33's flags, in its key order. The gateway provides these itself whatever its
 * backends run: preview metadata (it converts type-4 previews for legacy clients), node
 * replacements (it rewrites prompts itself); assets stay off as in a default 0.33 install.
 * `extra` carries flags only a backend knows (the `extension` entries of installed extensions).
 */
export function gatewayFeatureFlags(maxUploadSize: number, extra: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const { supports_preview_metadata: _p, supports_model_type_tags: _t, max_upload_size: _m, node_replacements: _n, assets: _a, ...rest } = extra;
  return {
    supports_preview_metadata: true,
    supports_model_type_tags: true,
    max_upload_size: maxUploadSize,
    ...rest,
    node_replacements: true,
    assets: false,
  };
}
