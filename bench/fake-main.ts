/**
 * A child process running one or more fake ComfyUI servers for the bench, so the fake's CPU is
 * not the bench's or the service's. Started by bench/lib/fakes.ts with Node IPC:
 *   node --import tsx bench/fake-main.ts '<FakeMainOptions JSON>'
 * It reports {type:'ready', fakes:[{url, wsUrl, inputDir}]} and then answers FakeRequests. The
 * bench needs the fake's own WebSocket hub (to send it frames) and its in-memory history (to seed
 * it), which startFakeComfy keeps inside, so this builds the FakeServer the same way it does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ReceivedPrompt } from '../test/fake-comfy/context.js';
import { createControl, type FakeControl, type HistoryEntry } from '../test/fake-comfy/control.js';
import { FakeServer } from '../test/fake-comfy/server.js';
import type { FakeEnvelope, FakeMainOptions, FakeMessage, FakeRequest } from './fake-protocol.js';

interface Running {
  readonly server: FakeServer;
  readonly control: FakeControl;
}

const BLAST_PROMPT_ID = '00000000-0000-4000-8000-00000000b1a5';

function send(message: FakeMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as FakeMainOptions;
  const fakes: Running[] = [];
  let watching = false;
  for (let i = 0; i < options.count; i++) {
    const server = new FakeServer(
      { embeddings: options.embeddings, maxUploadSize: options.maxUploadSize, unknownNodeDelayMs: options.unknownNodeDelayMs },
      true,
    );
    await server.start(0);
    // The time a prompt reached the fake, for the enqueue → received latency: the POST /prompt
    // handler records every prompt it took in `received.prompts`.
    const prompts = server.received.prompts;
    const push = prompts.push.bind(prompts);
    const index = i;
    prompts.push = (...items: ReceivedPrompt[]): number => {
      const at = performance.timeOrigin + performance.now();
      if (watching) for (const item of items) send({ type: 'received', fake: index, promptId: item.promptId, at });
      return push(...items);
    };
    fakes.push({ server, control: createControl(server) });
  }

  const fakeAt = (index: number): Running => {
    const fake = fakes[index];
    if (!fake) throw new Error(`no fake #${index}`);
    return fake;
  };
  const binaryFrames = new Map<number, Buffer>();

  const handle = async (request: FakeRequest): Promise<unknown> => {
    switch (request.cmd) {
      case 'blast': {
        const hub = fakeAt(request.fake).server.life?.hub;
        if (!hub) throw new Error('fake is not running');
        if (request.binary) {
          let frame = binaryFrames.get(request.bytes);
          if (!frame) binaryFrames.set(request.bytes, (frame = randomBytes(request.bytes)));
          for (let i = 0; i < request.count; i++) hub.sendBinary(frame, request.clientId);
        } else {
          for (let i = 0; i < request.count; i++) {
            hub.send('progress', { value: i, max: request.count, prompt_id: BLAST_PROMPT_ID, node: '3' }, request.clientId);
          }
        }
        return request.count;
      }
      case 'steps':
        for (const fake of fakes) {
          fake.control.resetBehaviors();
          if (request.steps > 0) fake.control.setProgressSteps(request.steps, request.classType);
        }
        return null;
      case 'seedHistory': {
        const history = fakeAt(request.fake).server.life?.queue.history;
        if (!history) throw new Error('fake is not running');
        const template = request.entry as unknown as HistoryEntry;
        for (let i = 0; i < request.count; i++) {
          const id = randomUUID();
          const [, , ...rest] = template.prompt;
          history.set(id, { ...template, prompt: [i, id, ...rest] });
        }
        return history.size;
      }
      case 'writeInput': {
        const file = path.join(fakeAt(request.fake).server.dirs.input, request.name);
        // ASCII on purpose: autocannon appends every response body to a string, and decoding
        // binary bytes made it, not the servers, the bottleneck (8 vs 200+ downloads/s).
        fs.writeFileSync(file, Buffer.alloc(request.bytes, 'comfyui-automa bench 0123456789\n'));
        return file;
      }
      case 'watchPrompts':
        watching = request.on;
        return null;
      case 'resetReceived':
        for (const fake of fakes) fake.control.resetReceived();
        return null;
      case 'connected':
        return fakes.map((fake) => fake.control.connectedClients().includes(request.clientId));
      case 'stall':
        for (const fake of fakes) {
          if (request.on) fake.control.stall({ classType: request.classType });
          else fake.control.releaseStalls();
        }
        return null;
    }
  };

  process.on('message', (message: FakeEnvelope) => {
    handle(message).then(
      (result) => send({ type: 'reply', id: message.id, ok: true, result: result ?? null }),
      (error: unknown) => send({ type: 'reply', id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  // The bench went away (finished or crashed): stop and remove the fakes' temp folders.
  const shutdown = (): void => {
    void Promise.all(fakes.map((fake) => fake.server.close())).finally(() => process.exit(0));
  };
  process.on('disconnect', shutdown);
  process.on('SIGTERM', shutdown);
  send({
    type: 'ready',
    fakes: fakes.map((fake) => ({
      url: `http://127.0.0.1:${fake.server.port}`,
      wsUrl: `ws://127.0.0.1:${fake.server.port}/ws`,
      inputDir: fake.server.dirs.input,
    })),
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`fake-main: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
