import { startFakeComfy } from '../fake-comfy/server.js';

/** A backend for health checks: a fake ComfyUI (a socket to link to, /system_stats to probe). */
export async function startProbeTarget(): Promise<{ url: string; close: () => Promise<void> }> {
  const fake = await startFakeComfy();
  return { url: fake.url, close: () => fake.close() };
}

/** A port nothing listens on (bound, then released). */
export { closedPort } from '../main/service.js';

/** The value of one sample in Prometheus text format, or undefined when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}
