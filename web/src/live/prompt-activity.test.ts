import { describe, expect, it } from 'vitest';
import type { EventBody } from '@contract';
import { applyPromptEvent, parseEvent, stepPercent, type ActivityMap } from './prompt-activity';

let nextId = 1;
const event = (type: string, data: Record<string, unknown>): EventBody => ({ id: nextId++, type, timestamp: new Date(0).toISOString(), data });
const prompt = (status: string, more: Record<string, unknown> = {}) => ({ prompt_id: 'p1', number: 1, status, client_id: 'someone-else', backend: null, create_time: '', ...more });

describe('prompt activity from the event stream', () => {
  it('follows a prompt of another client from queued to running with its backend and steps, and forgets it when it ends', () => {
    let activity: ActivityMap = new Map();
    activity = applyPromptEvent(activity, event('prompt.queued', prompt('queued')));
    expect(activity.get('p1')).toEqual({ status: 'queued', backend: null, node: null, value: 0, max: 0 });
    activity = applyPromptEvent(activity, event('prompt.started', prompt('running', { backend: 'gpu-2' })));
    expect(activity.get('p1')?.status).toBe('running');
    activity = applyPromptEvent(activity, event('prompt.progress', prompt('running', { backend: 'gpu-2', progress: { value: 3, max: 4, node: '2' } })));
    expect(activity.get('p1')).toEqual({ status: 'running', backend: 'gpu-2', node: '2', value: 3, max: 4 });
    expect(stepPercent(activity.get('p1'))).toBe(75);
    activity = applyPromptEvent(activity, event('prompt.succeeded', prompt('succeeded', { backend: 'gpu-2', outputs: {} })));
    expect(activity.has('p1')).toBe(false);
  });

  it('starts from a progress event alone (a stream opened while the prompt ran)', () => {
    const activity = applyPromptEvent(new Map(), event('prompt.progress', prompt('running', { backend: 'b', progress: { value: 1, max: 8, node: null } })));
    expect(activity.get('p1')).toEqual({ status: 'running', backend: 'b', node: null, value: 1, max: 8 });
  });

  it('leaves the map as it is for events it does not read', () => {
    const activity: ActivityMap = new Map();
    expect(applyPromptEvent(activity, event('backend.down', { backend: 'b' }))).toBe(activity);
    expect(applyPromptEvent(activity, event('prompt.failed', prompt('failed')))).toBe(activity);
    expect(applyPromptEvent(activity, event('prompt.progress', prompt('running', { progress: { value: 'x', max: 2, node: null } })))).toBe(activity);
    expect(applyPromptEvent(activity, event('prompt.started', { status: 'running' }))).toBe(activity);
  });

  it('parses SSE data and refuses what is not an event body', () => {
    expect(parseEvent('{"id":4,"type":"prompt.queued","timestamp":"t","data":{}}')?.id).toBe(4);
    expect(parseEvent('{"type":"prompt.queued","data":{}}')).toBeNull();
    expect(parseEvent('not json')).toBeNull();
  });

  it('has no step percentage before the first step', () => {
    expect(stepPercent(undefined)).toBeNull();
    expect(stepPercent({ status: 'running', backend: null, node: null, value: 0, max: 0 })).toBeNull();
  });
});
