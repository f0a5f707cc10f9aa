/**
 * What `GET /` answers when no web app takes it: the service and every entry point it offers, so
 * a person who opens it finds the docs, the probes, our APIs, the gateway and the proxy.
 */
export function serviceIndex(version: string): Record<string, unknown> {
  return {
    name: 'comfyui-automa',
    version,
    description: 'ComfyUI automation service: durable queue and history, backend pool, proxy, document store',
    api: {
      docs: '/automa/docs',
      openapi: '/automa/openapi.json',
      health: '/automa/health',
      ready: '/automa/ready',
      metrics: '/metrics',
      documents: '/automa/db',
      apps: '/automa/apps',
      runs: '/automa/runs',
      sweeps: '/automa/sweeps',
      backends: '/automa/backends',
      convert: 'POST /automa/convert',
      events: 'GET /automa/events (Server-Sent Events)',
      webhooks: '/automa/webhooks',
      schedules: '/automa/schedules',
      backend_proxy: '/automa/backends/{name}/comfyui/',
      comfyui_proxy: '/comfyui/',
      comfyui_gateway: {
        description: "ComfyUI's own API, answered from the durable queue; each route also under /api",
        prompt: '/prompt',
        queue: '/queue',
        history: '/history',
        jobs: '/api/jobs',
        object_info: '/object_info',
        view: '/view',
        upload: '/upload/image',
        websocket: '/ws',
      },
    },
  };
}
