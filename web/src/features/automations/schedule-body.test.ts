import { describe, expect, it } from 'vitest';
import { scheduleBody, type ScheduleForm } from './schedule-body';

const form: ScheduleForm = {
  name: ' nightly ',
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

  it('names the field that is wrong', () => {
    expect(scheduleBody({ ...form, prompt: '{"1":' })).toMatchObject({ ok: false, field: 'prompt' });
    expect(scheduleBody({ ...form, prompt: '[]' })).toMatchObject({ ok: false, field: 'prompt' });
    expect(scheduleBody({ ...form, prompt: '{"nodes":[],"links":[]}' })).toMatchObject({ ok: false, field: 'prompt', problem: 'this is a UI workflow; export it in API format' });
    expect(scheduleBody({ ...form, cron: '  ' })).toMatchObject({ ok: false, field: 'cron' });
    expect(scheduleBody({ ...form, when: 'at', at: '' })).toMatchObject({ ok: false, field: 'at' });
  });
});
