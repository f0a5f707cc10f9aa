import { describe, expect, it } from 'vitest';
import type { EventBody } from '@contract';
import { applyPromptEvent, parseEvent, stepPercent, type ActivityMap } from './prompt-activity';

let nextId = 1;
const event = (type: string, data: Record<string, unknown>): EventBody => ({ id: nextId++, type, timestamp: new Date(0).toISOString(), data });
const prompt = (status: string, more: Record<string, unknown> = {}) => ({ prompt_id: 'p1', number: 1, status, client_id: 'someone-else', backend: null, create_time: '', ...more });

describe('prompt activity from the event stream', () => {
  it('follows a prompt of another client from its start with its backend and steps, and forgets it when it ends', () => {
    let activity: ActivityMap = new Map();
    expect(applyPromptEvent(activity, event('prompt.queued', prompt('queued')))).toBe(activity);
    activity = applyPromptEvent(activity, event('prompt.started', prompt('running', { backend: 'gpu-2' })));
    expect(activity.get('p1')).toEqual({ status: 'running', backend: 'gpu-2', node: null, value: 0, max: 0, fraction: null });
    activity = applyPromptEvent(activity, event('prompt.progress', prompt('running', { backend: 'gpu-2', progress: { value: 3, max: 4, node: '2' } })));
    expect(activity.get('p1')).toEqual({ status: 'running', backend: 'gpu-2', node: '2', value: 3, max: 4, fraction: null });
    expect(stepPercent(activity.get('p1'))).toBe(75);
    activity = applyPromptEvent(activity, event('prompt.succeeded', prompt('succeeded', { backend: 'gpu-2', outputs: {} })));
    expect(activity.has('p1')).toBe(false);
  });

  it('reads a workflow run’s events (the run, with its prompt id and overall fraction)', () => {
    const run = (status: string, progress: Record<string, unknown>) => ({ id: 'r1', app_id: 'a', prompt_id: 'p9', status, backend: 'gpu-1', progress });
    let activity: ActivityMap = applyPromptEvent(new Map(), event('run.started', run('running', { fraction: 0 })));
    expect(activity.get('p9')?.backend).toBe('gpu-1');
    activity = applyPromptEvent(activity, event('run.progress', run('running', { fraction: 0.5, node: '3', nodes_done: 3, nodes_total: 7, step: { value: 10, max: 20 } })));
    expect(activity.get('p9')).toEqual({ status: 'running', backend: 'gpu-1', node: '3', value: 10, max: 20, fraction: 0.5 });
    expect(stepPercent(activity.get('p9'))).toBe(50);
    activity = applyPromptEvent(activity, event('run.succeeded', run('succeeded', { fraction: 1 })));
    expect(activity.has('p9')).toBe(false);
  });

  it('starts from a progress event alone (a stream opened while the prompt ran)', () => {
    const activity = applyPromptEvent(new Map(), event('prompt.progress', prompt('running', { backend: 'b', progress: { value: 1, max: 8, node: null } })));
    expect(activity.get('p1')).toEqual({ status: 'running', backend: 'b', node: null, value: 1, max: 8, fraction: null });
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
    expect(stepPercent({ status: 'running', backend: null, node: null, value: 0, max: 0, fraction: null })).toBeNull();
  });
});
