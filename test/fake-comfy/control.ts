/**
 * The test-facing handle on a fake: shape node behavior, break the server in realistic ways, read
 * what it received, and wait for its events instead of sleeping.
 */
import type { ObjectInfo } from '../../src/upstream/protocol/index.js';
import { matches, type NodeExecution, type NodeFailure, type NodeTarget, type Stall } from './behaviors.js';
import type { Received } from './context.js';
import type { HistoryEntry } from './queue.js';
import type { FakeServer } from './server.js';

export type { NodeExecution, NodeFailure, NodeTarget, Stall } from './behaviors.js';
export type { HistoryEntry } from './queue.js';

export interface FakeControl {
  /** Every matching node takes `ms` (spread over its progress steps). Default target: all nodes. */
  setNodeDelay(ms: number, target?: NodeTarget): void;
  /** Matching nodes report `steps` progress steps (progress + progress_state frames). */
  setProgressSteps(steps: number, target?: NodeTarget): void;
  /** Matching nodes raise at runtime → execution_error (history status "error"). */
  failNode(target: NodeTarget, failure?: NodeFailure): void;
  /** Matching nodes block, POST /interrupt notwithstanding, until released (or a crash). */
  stall(target?: NodeTarget): Stall;
  releaseStalls(): void;
  /** Forget delays, steps, failures and stalls. */
  resetBehaviors(): void;
  /** Cut every WebSocket without a close frame; returns how many were open. */
  dropSockets(): number;
  /** Die like a killed process: sockets and connections cut, queue, history and cache lost. */
  crash(): Promise<void>;
  /** Come back on the same port with empty memory (crashing first if still up). */
  restart(): Promise<void>;
  readonly running: boolean;
  /** What the fake received; survives restarts. */
  readonly received: Received;
  resetReceived(): void;
  /** Replace a model folder's files (also changes the loaders' combos in /object_info). */
  setModels(folder: string, files: readonly string[]): void;
  /** Serve and validate against other node classes from now on. */
  setObjectInfo(objectInfo: ObjectInfo): void;
  /** Client ids with an open socket in ComfyUI's table. */
  connectedClients(): string[];
  queueRemaining(): number;
  /** Resolves when `promptId` has a history entry (at once if it already has). */
  waitForHistory(promptId: string): Promise<HistoryEntry>;
  /** Resolves when a node matching `target` starts executing. */
  waitForNode(target: NodeTarget): Promise<NodeExecution>;
  /** Resolves when nothing is queued or running (a crash counts). */
  waitForIdle(): Promise<void>;
}

export function createControl(fake: FakeServer): FakeControl {
  const { behaviors, events } = fake;
  return {
    setNodeDelay: (ms, target) => behaviors.setDelay(ms, target),
    setProgressSteps: (steps, target) => behaviors.setSteps(steps, target),
    failNode: (target, failure) => behaviors.fail(target, failure),
    stall: (target) => behaviors.stall(target),
    releaseStalls: () => behaviors.releaseAll(),
    resetBehaviors: () => behaviors.reset(),
    dropSockets: () => fake.life?.hub.dropAll() ?? 0,
    crash: () => fake.crash(),
    restart: async () => {
      await fake.crash();
      await fake.start(fake.port);
    },
    get running() {
      return fake.running;
    },
    received: fake.received,
    resetReceived: () => {
      for (const list of Object.values(fake.received) as unknown[][]) list.length = 0;
    },
    setModels: (folder, files) => void fake.models.set(folder, files),
    setObjectInfo: (objectInfo) => {
      fake.objectInfoBase = objectInfo;
    },
    connectedClients: () => fake.life?.hub.connectedClientIds() ?? [],
    queueRemaining: () => fake.life?.queue.remaining() ?? 0,
    waitForHistory: (promptId) => {
      const existing = fake.life?.queue.history.get(promptId);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve) => {
        const listener = (id: string, entry: HistoryEntry): void => {
          if (id !== promptId) return;
          events.off('history', listener);
          resolve(entry);
        };
        events.on('history', listener);
      });
    },
    waitForNode: (target) =>
      new Promise((resolve) => {
        const listener = (execution: NodeExecution): void => {
          if (!matches(target, execution)) return;
          events.off('node', listener);
          resolve(execution);
        };
        events.on('node', listener);
      }),
    waitForIdle: () => {
      if ((fake.life?.queue.remaining() ?? 0) === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const listener = (): void => {
          if (fake.running && (fake.life?.queue.remaining() ?? 0) > 0) return;
          events.off('history', listener);
          events.off('crash', listener);
          resolve();
        };
        events.on('history', listener);
        events.on('crash', listener); // a crash empties the queue too
      });
    },
  };
}
