/** The bench's side of bench/fake-main.ts: start the child, call it, hear its events. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { FakeEnvelope, FakeInfo, FakeMainOptions, FakeMessage, FakeRequest } from '../fake-protocol.js';
import { stopChild } from './service.js';

export interface FakeProcess {
  readonly pid: number;
  readonly fakes: readonly FakeInfo[];
  call(request: FakeRequest): Promise<unknown>;
  /** Every prompt a fake received while watching (see FakeRequest 'watchPrompts'). */
  onReceived(listener: (event: { fake: number; promptId: string | undefined; at: number }) => void): () => void;
  stop(): Promise<void>;
}

/** Fork fake-main.ts through tsx; it inherits this process's CPU pinning. */
export async function startFakes(root: string, options: FakeMainOptions): Promise<FakeProcess> {
  const child: ChildProcess = fork(path.join(root, 'bench', 'fake-main.ts'), [JSON.stringify(options)], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Set<(event: { fake: number; promptId: string | undefined; at: number }) => void>();
  let nextId = 1;

  const fakes = await new Promise<readonly FakeInfo[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('fake-main did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`fake-main exited with ${code} before it was ready`)));
    child.on('message', (message: FakeMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(message.fakes);
      } else if (message.type === 'received') {
        for (const listener of listeners) listener(message);
      } else {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.ok) waiter?.resolve(message.result);
        else waiter?.reject(new Error(`fake-main: ${message.error}`));
      }
    });
  });
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`fake-main exited (${code})`));
    pending.clear();
  });

  return {
    pid: child.pid ?? 0,
    fakes,
    call: (request) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        const envelope: FakeEnvelope = { ...request, id };
        child.send(envelope);
      }),
    onReceived: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // Disconnecting makes fake-main close its fakes (removing their temp folders) and exit.
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.connected) child.disconnect();
      const timer = setTimeout(() => void stopChild(child), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
