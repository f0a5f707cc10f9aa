/**
 * main.py's prompt_worker: take the next prompt, execute it, write history (which broadcasts
 * status), then tell the prompt's client `executing {node: null}`. POST /free {free_memory} is
 * applied after the prompt that follows it, as ComfyUI checks its flags only between prompts.
 */
import type { Life } from './context.js';
import { Crashed } from './executor.js';
import type { HistoryEntry } from './queue.js';

export async function runWorker(life: Life, onHistory: (promptId: string, entry: HistoryEntry) => void): Promise<void> {
  for (;;) {
    const next = await life.queue.next(life.signal);
    if (!next) return;
    let outcome;
    try {
      outcome = await life.executor.execute(next.item);
    } catch (error) {
      if (error instanceof Crashed || life.signal.aborted) return; // a crash loses the run, no history
      throw error;
    }
    if (life.signal.aborted) return;
    life.queue.taskDone(
      next.taskId,
      { outputs: outcome.outputs, meta: outcome.meta },
      { status_str: outcome.success ? 'success' : 'error', completed: outcome.success, messages: outcome.messages },
    );
    const clientId = life.executor.clientId;
    if (clientId !== null) life.hub.send('executing', { node: null, prompt_id: next.item.promptId }, clientId);
    const entry = life.queue.history.get(next.item.promptId);
    if (entry) onHistory(next.item.promptId, entry);
    const flags = life.queue.flags;
    if (flags['free_memory']) life.executor.reset();
    for (const key of Object.keys(flags)) delete flags[key];
  }
}
