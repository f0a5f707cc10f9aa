import assert from 'node:assert/strict';
import test from 'node:test';
import {
  isKnownMessage,
  isMessageOfType,
  KNOWN_MESSAGE_TYPES,
  parseMessage,
  promptIdOf,
} from '../../../src/upstream/protocol/index.js';
import { recordedEvents } from './helpers.js';

const WS_FILES = [
  'ws_fresh_run.jsonl',
  'ws_runtime_error.jsonl',
  'ws_interrupt.jsonl',
  'ws_progress_preview_metadata.jsonl',
  'ws_reconnect_during_run.jsonl',
  'ws_feature_flags_handshake.jsonl',
];

test('every text frame ComfyUI sent in the recordings parses as one of the known messages', () => {
  const seen = new Set<string>();
  for (const file of WS_FILES) {
    for (const event of recordedEvents(file)) {
      if (event['kind'] !== 'ws_recv' || event['frame'] !== 'text') continue;
      const message = parseMessage(JSON.stringify(event['data']));
      assert.ok(message && isKnownMessage(message), `${file}: ${JSON.stringify(event['data'])}`);
      seen.add(message.type);
    }
  }
  assert.deepEqual([...seen].sort(), [...KNOWN_MESSAGE_TYPES].sort(), 'the recordings cover every known type');
});

test('narrowing by type gives typed data; prompt ids are found where messages carry them', () => {
  const message = parseMessage('{"type": "progress", "data": {"value": 2, "max": 3, "prompt_id": "p1", "node": "3"}}');
  assert.ok(message && isMessageOfType(message, 'progress'));
  assert.equal(message.data.max - message.data.value, 1);
  assert.equal(promptIdOf(message), 'p1');
  const reconnect = parseMessage('{"type": "executing", "data": {"node": "3"}}');
  assert.ok(reconnect && isMessageOfType(reconnect, 'executing'));
  assert.equal(reconnect.data.prompt_id, undefined, 'the reconnect replay has no prompt_id');
  assert.equal(promptIdOf(reconnect), undefined);
  const status = parseMessage('{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 2}}, "sid": "abc"}}');
  assert.ok(status && isMessageOfType(status, 'status') && status.data.status.exec_info.queue_remaining === 2);
  assert.equal(status && isMessageOfType(status, 'progress'), false);
});

test('custom node messages are kept as unknown messages; non-messages are undefined', () => {
  const custom = parseMessage('{"type": "crystools.monitor", "data": {"cpu": 12}}');
  assert.deepEqual(custom, { type: 'crystools.monitor', data: { cpu: 12 } });
  assert.equal(custom && isKnownMessage(custom), false);
  assert.equal(parseMessage('not json'), undefined);
  assert.equal(parseMessage('[1, 2]'), undefined);
  assert.equal(parseMessage('{"data": {}}'), undefined);
  const broken = parseMessage('{"type": "progress", "data": null}');
  assert.ok(broken && !isKnownMessage(broken), 'a known type without an object payload is not trusted');
});
