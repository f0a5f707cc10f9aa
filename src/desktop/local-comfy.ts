/**
 * Where a ComfyUI runs on this machine when the user configured none: ComfyUI's own default port,
 * then ComfyUI Desktop's.
 */
export const LOCAL_COMFY_CANDIDATES = ['http://127.0.0.1:8188', 'http://127.0.0.1:8000'] as const;

/** Whether a ComfyUI answers at `url` (its /system_stats, which every version has). */
export async function answersAsComfy(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(`${url}/system_stats`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return false;
    const body = (await response.json()) as { system?: unknown };
    return typeof body === 'object' && body !== null && 'system' in body;
  } catch {
    return false;
  }
}

/** The first candidate that answers as a ComfyUI, asked all at once; null when none does. */
export async function findLocalComfy(candidates: readonly string[] = LOCAL_COMFY_CANDIDATES, timeoutMs = 1_500): Promise<string | null> {
  const answers = await Promise.all(candidates.map((url) => answersAsComfy(url, timeoutMs)));
  return candidates[answers.indexOf(true)] ?? null;
}
