import { describe, expect, it } from 'vitest';
import { applyMessage, decodePreview, parseMessage, percentOf, type ProgressMap } from './frames';

function frame(type: number, second: number, rest: Uint8Array): ArrayBuffer {
  const buffer = new ArrayBuffer(8 + rest.length);
  const view = new DataView(buffer);
  view.setUint32(0, type);
  view.setUint32(4, second);
  new Uint8Array(buffer, 8).set(rest);
  return buffer;
}

describe('decodePreview', () => {
  it('reads a type-4 frame: its prompt id, node and image type from the metadata, the image after it', () => {
    const metadata = new TextEncoder().encode(JSON.stringify({ prompt_id: 'p1', node_id: '3', image_type: 'image/png' }));
    const image = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const body = new Uint8Array(metadata.length + image.length);
    body.set(metadata);
    body.set(image, metadata.length);
    const decoded = decodePreview(frame(4, metadata.length, body));
    expect(decoded).toMatchObject({ promptId: 'p1', nodeId: '3', mime: 'image/png' });
    expect([...(decoded?.image ?? [])]).toEqual([...image]);
  });

  it('reads a legacy type-1 frame by its format code, without a prompt id', () => {
    expect(decodePreview(frame(1, 1, new Uint8Array([0xff, 0xd8])))).toMatchObject({ promptId: null, mime: 'image/jpeg' });
    expect(decodePreview(frame(1, 2, new Uint8Array([1])))?.mime).toBe('image/png');
  });

  it('ignores progress text (type 3), short frames and metadata longer than the frame', () => {
    expect(decodePreview(frame(3, 0, new Uint8Array([1, 2])))).toBeNull();
    expect(decodePreview(new ArrayBuffer(4))).toBeNull();
    expect(decodePreview(frame(4, 999, new Uint8Array([1])))).toBeNull();
  });
});

describe('applyMessage', () => {
  const message = (text: unknown) => parseMessage(JSON.stringify(text)) ?? { type: '', data: {} };

  it('keeps the latest step of a prompt and counts finished nodes from progress_state', () => {
    let map: ProgressMap = new Map();
    map = applyMessage(map, message({ type: 'progress', data: { prompt_id: 'p', node: '2', value: 3, max: 8 } }));
    map = applyMessage(
      map,
      message({ type: 'progress_state', data: { prompt_id: 'p', nodes: { '1': { state: 'finished', value: 1, max: 1 }, '2': { state: 'running', value: 2, max: 8 } } } }),
    );
    // The finished node counts whole, the running one by its share of steps.
    expect(map.get('p')).toEqual({ node: '2', value: 3, max: 8, nodesDone: 1.25, nodesTotal: 2 });
  });

  it('forgets a prompt once it ends, and leaves the map alone for messages of no prompt', () => {
    const start: ProgressMap = new Map([['p', { node: '1', value: 1, max: 2, nodesDone: 0, nodesTotal: 1 }]]);
    expect(applyMessage(start, message({ type: 'status', data: { status: {} } }))).toBe(start);
    expect(applyMessage(start, message({ type: 'execution_success', data: { prompt_id: 'p' } })).has('p')).toBe(false);
    expect(applyMessage(start, message({ type: 'execution_interrupted', data: { prompt_id: 'p' } })).size).toBe(0);
  });

  it('refuses frames that are not {type, data} objects', () => {
    expect(parseMessage('not json')).toBeNull();
    expect(parseMessage('[1,2]')).toBeNull();
    expect(parseMessage('{"type":"x"}')).toBeNull();
  });
});

describe('percentOf', () => {
  it('is overall by the nodes of the prompt, not only those that started', () => {
    // 1.5 nodes' worth of work done out of the prompt's 4.
    expect(percentOf({ node: '2', value: 5, max: 10, nodesDone: 1.5, nodesTotal: 2 }, 4)).toBe(38);
    // Two nodes finished and the third just started: not 100 % until the last one is done.
    expect(percentOf({ node: '2', value: 4, max: 4, nodesDone: 2, nodesTotal: 3 }, 3)).toBe(67);
  });

  it('falls back to the node’s own steps without progress_state, and is null when nothing is known', () => {
    expect(percentOf({ node: '2', value: 1, max: 4, nodesDone: 0, nodesTotal: 0 }, 3)).toBe(25);
    expect(percentOf(undefined, 3)).toBeNull();
    expect(percentOf({ node: null, value: 0, max: 0, nodesDone: 0, nodesTotal: 0 })).toBeNull();
  });
});
