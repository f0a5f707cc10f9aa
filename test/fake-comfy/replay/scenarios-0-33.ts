/**
 * Set-up for the scenarios only the 0.33.0 recordings have: stalls standing in for ImageBlur's
 * seconds-long runs, so that jobs are pending or running when the recording read or cancelled
 * them, released when the recorded cancel has been answered.
 */
import type { FakeComfy } from '../server.js';
import type { RecordedExchange } from './recording.js';
import type { ScenarioPlan } from './scenarios.js';
import type { WsHooks } from './run-ws.js';

type Target = Parameters<FakeComfy['control']['stall']>[0];

/**
 * Keep `target` stalled; after each exchange whose note (or path) `releaseAfter` names, release
 * the stall, and stall the next prompt reaching the target again while `restallAfter` says so.
 * History and job reads wait for the stalled node to be reached instead of for idleness.
 */
function stalledRun(
  fake: FakeComfy,
  target: Target,
  releaseAfter: (exchange: RecordedExchange) => boolean,
  restallAfter: (exchange: RecordedExchange) => boolean = () => false,
): WsHooks {
  let stall = fake.control.stall(target);
  let held = true;
  return {
    settle: async (exchange) => {
      const reads = exchange.method === 'GET' && (/^\/(api\/)?(history|queue)/.test(exchange.path) || exchange.path.startsWith('/api/jobs'));
      if (!reads) return;
      if (held) await stall.reached;
      else await fake.control.waitForIdle();
    },
    after: (exchange) => {
      if (!releaseAfter(exchange)) return;
      stall.release();
      held = restallAfter(exchange);
      if (held) stall = fake.control.stall(target);
    },
  };
}

const noted = (text: string) => (exchange: RecordedExchange): boolean => exchange.note === text;

export const PLANS_0_33: Readonly<Record<string, ScenarioPlan>> = {
  'node_replacements.json': {
    // [4] Load3D's V3 validate_inputs raising on the dropped inputs (the fake runs no node code);
    // [5], [6] list required_input_missing in a Python set's hash-seeded order.
    notReplayed: new Set([4, 5, 6]),
  },
  'userdata_and_misc_changes.json': {
    skip: 'user files, /internal/files, /experiment/models, /global_subgraphs, /i18n and /workflow_templates are not simulated (the gateway passes them to the backend untouched)',
  },
  'jobs_api.json': {
    // S1 runs (stalled at its second ImageBlur) while S2-S4 wait; the running-job cancel lets it
    // be interrupted and stalls S4 in turn, until the batch cancel of S4.
    setup: async (fake) =>
      stalledRun(
        fake,
        { classType: 'ImageBlur', nodeId: '3' },
        (e) => noted('cancel running -> interrupt')(e) || noted('batch cancel of the now-running S4')(e),
        noted('cancel running -> interrupt'),
      ),
  },
  'usage_source_header.json': {
    setup: async (fake) => stalledRun(fake, { classType: 'ImageBlur', nodeId: '2' }, noted('pending job')),
  },
  'ws_job_cancel.jsonl': {
    // The first prompt (recorded id bfecba6e-…) is on its first ImageBlur when the second is
    // posted, then stalled at the second while the second is dequeued and the first cancelled.
    setup: async (fake) => {
      const first = fake.control.stall({ classType: 'ImageBlur', nodeId: '2' });
      const second = stalledRun(fake, { classType: 'ImageBlur', nodeId: '3' }, (e) => e.path === '/api/jobs/bfecba6e-7661-4f97-a212-bd87d1a88b80/cancel');
      let posted = 0;
      const hooks: WsHooks = {
        ...second,
        after: async (exchange, ctx) => {
          if (exchange.method === 'POST' && exchange.path === '/prompt' && ++posted === 2) first.release();
          await second.after?.(exchange, ctx);
        },
      };
      return hooks;
    },
  },
};
