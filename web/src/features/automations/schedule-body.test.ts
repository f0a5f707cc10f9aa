import { describe, expect, it } from 'vitest';
import { scheduleBody, type ScheduleForm } from './schedule-body';

const form: ScheduleForm = {
  name: ' nightly ',
  target: 'prompt',
  app: '',
  appInputs: {},
  sweep: null,
  prompt: '{"1":{"class_type":"EmptyImage","inputs":{}}}',
  when: 'cron',
  cron: ' 0 3 * * * ',
  at: '',
  timezone: 'Europe/Paris',
  missed: 'run_once',
  paused: false,
};

describe('schedule body', () => {
  it('sends a cron schedule with the prompt as an object and trimmed text', () => {
    expect(scheduleBody(form)).toEqual({
      ok: true,
      body: { name: 'nightly', prompt: { '1': { class_type: 'EmptyImage', inputs: {} } }, cron: '0 3 * * *', timezone: 'Europe/Paris', missed: 'run_once', paused: false },
    });
  });

  it('sends a one-shot time as an ISO instant of the browser’s local time', () => {
    const result = scheduleBody({ ...form, name: '', when: 'at', at: '2031-05-06T07:08' });
    expect(result.ok && result.body.at).toBe(new Date('2031-05-06T07:08').toISOString());
    expect(result.ok && 'name' in result.body).toBe(false);
    expect(result.ok && result.body.cron).toBeUndefined();
  });

  it('sends a run of an app with its inputs, or a sweep like a past one with the values it drew', () => {
    const app = scheduleBody({ ...form, target: 'app', app: 'a1', appInputs: { prompt: 'a fox', seed: 'random' } });
    expect(app.ok && { app: app.body.app, inputs: app.body.inputs, prompt: app.body.prompt }).toEqual({ app: 'a1', inputs: { prompt: 'a fox', seed: 'random' }, prompt: undefined });
    const sweep = scheduleBody({
      ...form,
      target: 'sweep',
      sweep: { id: 's', app_id: 'a1', name: 'grid', mode: 'grid', axes: [{ input: 'seed', values: [5, 9] }], count: 2, cancelled: false, create_time: 0, inputs: { cfg: 7 }, status: 'finished', counts: { queued: 0, running: 0, succeeded: 2, failed: 0, cancelled: 0 }, cells: [] },
    });
    expect(sweep.ok && sweep.body.sweep).toEqual({ app: 'a1', axes: [{ input: 'seed', values: [5, 9] }], mode: 'grid', inputs: { cfg: 7 }, name: 'grid' });
    expect(scheduleBody({ ...form, target: 'app' })).toMatchObject({ ok: false, field: 'app' });
    expect(scheduleBody({ ...form, target: 'sweep' })).toMatchObject({ ok: false, field: 'sweep' });
  });

  it('names the field that is wrong', () => {
    expect(scheduleBody({ ...form, prompt: '{"1":' })).toMatchObject({ ok: false, field: 'prompt' });
    expect(scheduleBody({ ...form, prompt: '[]' })).toMatchObject({ ok: false, field: 'prompt' });
    expect(scheduleBody({ ...form, prompt: '{"nodes":[],"links":[]}' })).toMatchObject({ ok: false, field: 'prompt', problem: 'this is a UI workflow; export it in API format, or import it as an app' });
    expect(scheduleBody({ ...form, cron: '  ' })).toMatchObject({ ok: false, field: 'cron' });
    expect(scheduleBody({ ...form, when: 'at', at: '' })).toMatchObject({ ok: false, field: 'at' });
  });
});
