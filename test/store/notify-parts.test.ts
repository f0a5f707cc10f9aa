import assert from 'node:assert/strict';
import test from 'node:test';
import { createPayloadJoiner, MAX_PART_BYTES, splitPayload } from '../../src/store/postgres/notify-parts.js';

test('a payload that fits goes as itself', () => {
  const payload = JSON.stringify({ kind: 'ws', body: { raw: 'x'.repeat(100) } });
  assert.deepEqual(splitPayload(payload), [payload]);
});

test('a long payload goes in parts under the limit and comes back whole, multi-byte text included, even interleaved with others', () => {
  // 3-byte characters straddle every cut unless the cut respects UTF-8.
  const first = JSON.stringify({ kind: 'ws', body: { raw: '錯誤'.repeat(9_000) + 'é'.repeat(3_001) } });
  const second = JSON.stringify({ kind: 'wsb', body: { data: 'A'.repeat(40_000) } });
  const a = splitPayload(first);
  const b = splitPayload(second);
  assert.ok(a.length > 5 && b.length > 4);
  for (const part of [...a, ...b]) assert.ok(Buffer.byteLength(part) < 8_000, `${Buffer.byteLength(part)} bytes`);
  for (const part of a) assert.ok(!part.includes('\uFFFD'), 'no character cut in two');
  assert.ok(MAX_PART_BYTES < 8_000);

  const delivered: string[] = [];
  const join = createPayloadJoiner((payload) => delivered.push(payload));
  const small = JSON.stringify({ kind: 'prompt', body: { id: 'p' } });
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    if (a[i] !== undefined) join(a[i] as string);
    if (i === 1) join(small);
    if (b[i] !== undefined) join(b[i] as string);
  }
  // Each is delivered once its last part is in: the small one at once, the shorter long one next.
  assert.deepEqual(delivered, [small, second, first]);
});

test('a repeated or malformed part is ignored', () => {
  const payload = JSON.stringify({ raw: 'z'.repeat(20_000) });
  const parts = splitPayload(payload);
  const delivered: string[] = [];
  const join = createPayloadJoiner((p) => delivered.push(p));
  join('~part:not-a-header');
  for (const part of parts) {
    join(part);
    join(part);
  }
  assert.deepEqual(delivered, [payload]);
});
