/**
 * PromptExecutor.execute of ComfyUI 0.8.0, with simulated nodes: the message sequence
 * (execution_start, execution_cached, per node progress_state → executing → [executed] →
 * progress_state, then execution_success | execution_error | execution_interrupted), the output
 * cache across prompts, and ComfyUI's targeting: with a client id everything goes to that client;
 * without one, progress frames and execution_interrupted go to everyone and the rest to no one.
 */
import { encodeText, hiddenInputsOfKind, isOutputNode, pyStr, type ObjectInfo } from '../../src/upstream/protocol/index.js';
import type { Behaviors, NodeExecution } from './behaviors.js';
import { OutputCache, signatures, type CachedNode } from './cache.js';
import { ExecutionList } from './execution-list.js';
import type { Dirs } from './files.js';
import { failureMessage, type Failure } from './failures.js';
import { Interrupted, NodeRuntimeError, type NodeRun } from './node-values.js';
import { isChangedValue, isSimulated, simulate } from './nodes.js';
import { legacyPreviewFrame, ProgressRegistry, type Messenger, type Preview } from './progress.js';
import type { QueueItem } from './queue.js';

export interface ExecutorDeps {
  readonly objectInfo: () => ObjectInfo;
  readonly dirs: Dirs;
  readonly messenger: Messenger;
  readonly behaviors: Behaviors;
  readonly previewMethod: string;
  readonly unknownNodeDelayMs: number;
  /** Aborts when the fake crashes: waits end, the run is abandoned without history. */
  readonly signal: AbortSignal;
  readonly onNodeStart: (execution: NodeExecution) => void;
}

export interface ExecutionOutcome {
  readonly success: boolean;
  readonly messages: Array<[string, unknown]>;
  readonly outputs: Record<string, unknown>;
  readonly meta: Record<string, unknown>;
}

export class Crashed extends Error {}

export class Executor {
  /** The running prompt's client id; null when it has none. Non-string ids never match a socket. */
  clientId: string | null = null;
  lastNodeId: string | null = null;
  private interruptRequested = false;
  private readonly cache = new OutputCache();
  private readonly objects = new Map<string, Record<string, unknown>>();

  constructor(private readonly deps: ExecutorDeps) {}

  /** nodes.interrupt_processing(): takes effect at the next node start or progress step. */
  interrupt(): void {
    this.interruptRequested = true;
  }

  /** What POST /free {free_memory} does after the current prompt: forget cached outputs. */
  reset(): void {
    this.cache.clear();
    this.objects.clear();
  }

  async execute(item: QueueItem): Promise<ExecutionOutcome> {
    this.interruptRequested = false;
    const extra = item.extraData;
    this.clientId = Object.hasOwn(extra, 'client_id')
      ? typeof extra['client_id'] === 'string' ? extra['client_id'] : `\u0000${pyStr(extra['client_id'])}`
      : null;
    const messages: Array<[string, unknown]> = [];
    const addMessage = (event: string, data: Record<string, unknown>, broadcast: boolean): void => {
      const stamped = { ...data, timestamp: Date.now() };
      messages.push([event, stamped]);
      if (this.clientId !== null || broadcast) this.deps.messenger.send(event, stamped, this.clientId);
    };
    addMessage('execution_start', { prompt_id: item.promptId }, false);
    const info = this.deps.objectInfo();
    const keys = signatures(
      item.prompt,
      (id) => isChangedValue({ classType: String(item.prompt[id]?.['class_type']), inputs: inputsOf(item, id), dirs: this.deps.dirs }),
      (id) => hiddenInputsOfKind(info[String(item.prompt[id]?.['class_type'])] ?? emptyNode, 'UNIQUE_ID').length > 0,
    );
    this.cache.keepOnly(new Set(keys.values()));
    // Node objects (PreviewImage's random file prefix) live while their node id keeps its class.
    for (const key of this.objects.keys()) {
      const [id = '', classType] = key.split('\u0000');
      if (item.prompt[id]?.['class_type'] !== classType) this.objects.delete(key);
    }
    const cached = Object.keys(item.prompt).filter((id) => this.cache.get(keys.get(id)));
    addMessage('execution_cached', { nodes: cached, prompt_id: item.promptId }, false);
    const progress = new ProgressRegistry(item.promptId, this.clientId, this.deps.messenger);
    const isOutput = (id: string): boolean => isOutputNode(info[String(item.prompt[id]?.['class_type'])] ?? emptyNode);
    const list = new ExecutionList(item.prompt, isOutput, (id) => this.cache.get(keys.get(id)) !== undefined);
    for (const output of item.outputs) list.addNode(output);
    const executed = new Set<string>();
    const uiOrder: string[] = [];
    const cachedUi: string[] = [];
    let failure: Failure | undefined;
    while (!list.isEmpty() && !failure) {
      const id = list.next();
      if (id === undefined) break;
      failure = await this.runNode(item, id, keys, progress, executed, uiOrder, cachedUi);
      if (!failure) list.complete(id);
    }
    if (!failure && this.clientId !== null) {
      // Cached intermediate-output nodes (0.33: UI without being output nodes) are never reached
      // by the execution list; their UI is re-sent last, just before execution_success.
      for (const id of cached) {
        if (cachedUi.includes(id) || isOutput(id) || !this.cache.get(keys.get(id))?.ui) continue;
        cachedUi.push(id);
      }
      for (const id of cachedUi) {
        const output = this.cache.get(keys.get(id))?.ui?.output ?? null;
        this.deps.messenger.send('executed', { node: id, display_node: id, output, prompt_id: item.promptId }, this.clientId);
      }
    }
    if (failure) {
      const [event, data, broadcast] = failureMessage(item, failure, executed);
      addMessage(event, data, broadcast);
    } else addMessage('execution_success', { prompt_id: item.promptId }, false);
    this.lastNodeId = null;
    const outputs: Record<string, unknown> = {};
    const meta: Record<string, unknown> = {};
    for (const id of uiOrder) {
      const ui = this.cache.get(keys.get(id))?.ui;
      if (ui) [outputs[id], meta[id]] = [ui.output, ui.meta];
    }
    return { success: !failure, messages, outputs, meta };
  }

  private async runNode(
    item: QueueItem,
    id: string,
    keys: Map<string, string>,
    progress: ProgressRegistry,
    executed: Set<string>,
    uiOrder: string[],
    cachedUi: string[],
  ): Promise<Failure | undefined> {
    const { messenger } = this.deps;
    const key = keys.get(id) as string;
    const hit = this.cache.get(key);
    if (hit) {
      // A cached intermediate-output node (0.33: not an output node, yet it has UI) is re-sent
      // after everything ran, just before execution_success; output nodes when reached.
      if (hit.ui && !isOutputNode(this.deps.objectInfo()[String(item.prompt[id]?.['class_type'])] ?? emptyNode)) {
        cachedUi.push(id);
      } else if (this.clientId !== null) {
        messenger.send('executed', { node: id, display_node: id, output: hit.ui?.output ?? null, prompt_id: item.promptId }, this.clientId);
      }
      progress.finish(id);
      if (hit.ui) uiOrder.push(id);
      return undefined;
    }
    progress.start(id);
    const inputs = this.resolveInputs(item, id, keys);
    if (this.clientId !== null) {
      this.lastNodeId = id;
      messenger.send('executing', { node: id, display_node: id, prompt_id: item.promptId }, this.clientId);
    }
    try {
      const result = await this.invoke(item, id, inputs, progress);
      const entry: CachedNode = { outputs: result.outputs };
      if (result.ui) {
        entry.ui = { meta: { node_id: id, display_node: id, parent_node: null, real_node_id: id }, output: result.ui };
        uiOrder.push(id);
        if (this.clientId !== null) {
          messenger.send('executed', { node: id, display_node: id, output: result.ui, prompt_id: item.promptId }, this.clientId);
        }
      }
      this.cache.set(key, entry);
    } catch (error) {
      if (error instanceof Interrupted) return { kind: 'interrupted', nodeId: id };
      if (error instanceof NodeRuntimeError) return { kind: 'error', nodeId: id, error, inputs };
      throw error;
    }
    progress.finish(id);
    executed.add(id);
    return undefined;
  }

  private async invoke(item: QueueItem, id: string, inputs: Record<string, unknown>, progress: ProgressRegistry) {
    const { deps } = this;
    const classType = String(item.prompt[id]?.['class_type']);
    const execution = { promptId: item.promptId, nodeId: id, classType };
    this.checkInterrupt(); // before_node_execution
    deps.onNodeStart(execution);
    const behavior = deps.behaviors.resolve(execution);
    if (behavior.stall && !behavior.stall.released) {
      behavior.stall.hit(execution);
      await behavior.stall.wait(deps.signal);
    }
    this.checkCrash();
    if (behavior.failure) {
      const message = behavior.failure.message ?? 'Injected failure';
      throw new NodeRuntimeError(behavior.failure.type ?? 'RuntimeError', message, [`  File "/opt/ComfyUI/fake.py", line 1, in ${classType}\n    raise ${behavior.failure.type ?? 'RuntimeError'}(${JSON.stringify(message)})\n`]);
    }
    const objectKey = `${id}\u0000${classType}`;
    const objectState = this.objects.get(objectKey) ?? {};
    this.objects.set(objectKey, objectState);
    const previewMethod = item.extraData['preview_method'] ?? deps.previewMethod;
    const run: NodeRun = {
      ...execution,
      info: deps.objectInfo()[classType] ?? emptyNode,
      inputs,
      prompt: item.prompt,
      extraData: item.extraData,
      dirs: deps.dirs,
      objectState,
      previews: typeof previewMethod === 'string' && previewMethod !== 'none',
      delayMs: behavior.delayMs ?? (isSimulated(classType) ? 0 : deps.unknownNodeDelayMs),
      steps: behavior.steps,
      progress: (value, max, preview) => this.progressHook(item.promptId, id, value, max, progress, preview),
      text: (message) => deps.messenger.sendBinary(encodeText(id, message), null),
      sleep: (ms) => this.sleep(ms),
    };
    const result = await simulate(run);
    this.checkCrash();
    return result;
  }

  /** comfy.utils progress hook as main.py installs it. */
  private progressHook(promptId: string, id: string, value: number, max: number, progress: ProgressRegistry, preview?: Preview): void {
    this.checkInterrupt();
    progress.update(id, value, max, preview);
    this.deps.messenger.send('progress', { value, max, prompt_id: promptId, node: id }, this.clientId);
    if (preview && !this.deps.messenger.supportsPreviewMetadata(this.clientId)) {
      this.deps.messenger.sendBinary(legacyPreviewFrame(preview), this.clientId);
    }
  }

  /** Constants as validated; links become the upstream node's cached output. */
  private resolveInputs(item: QueueItem, id: string, keys: Map<string, string>): Record<string, unknown> {
    const resolved: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(inputsOf(item, id))) {
      if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string') {
        resolved[name] = this.cache.get(keys.get(value[0]))?.outputs[Number(value[1])];
      } else resolved[name] = value;
    }
    return resolved;
  }

  private checkInterrupt(): void {
    this.checkCrash();
    if (this.interruptRequested) {
      this.interruptRequested = false;
      throw new Interrupted();
    }
  }

  private checkCrash(): void {
    if (this.deps.signal.aborted) throw new Crashed('the fake crashed');
  }

  private sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.deps.signal);
  }
}

/** Wait `ms`, or until `signal` aborts, without leaving listeners behind. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const emptyNode = { input: {}, output: [], name: '', output_node: false } as const;

function inputsOf(item: QueueItem, id: string): Record<string, unknown> {
  const inputs = item.prompt[id]?.['inputs'];
  return inputs !== null && typeof inputs === 'object' && !Array.isArray(inputs) ? (inputs as Record<string, unknown>) : {};
}
