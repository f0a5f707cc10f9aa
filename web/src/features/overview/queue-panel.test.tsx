import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { QueueSnapshot } from '@contract';
import { updateSettings } from '../../settings/settings-store';
import { QueuePanel } from './queue-panel';

const queue: QueueSnapshot = {
  queue_running: [[1, 'aaaaaaaa-0000-4000-8000-000000000001', { '1': { class_type: 'EmptyImage', inputs: {} } }, {}, ['1']]],
  queue_pending: [
    [2, 'bbbbbbbb-0000-4000-8000-000000000002', { '1': {}, '2': {} }, {}, ['2']],
    [3, 'cccccccc-0000-4000-8000-000000000003', { '1': {} }, {}, ['1']],
  ],
};

function renderPanel() {
  const client = new QueryClient();
  return render(
    <MantineProvider>
      <QueryClientProvider client={client}>
        <MemoryRouter>
          <QueuePanel queue={queue} backends={[{ name: 'gpu1', url: 'http://x', state: 'up', running: [queue.queue_running[0]?.[1] ?? ''], prefetched: [], last_error: null, comfyui_version: '0.33.0', devices: [], system: null, node_classes: 1, models_known: 0, gateway: null }]} />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  updateSettings({ apiKey: '' });
});

describe('QueuePanel', () => {
  it('lists the running prompt with its backend and the pending ones in order', () => {
    renderPanel();
    expect(screen.getByText('on gpu1')).toBeTruthy();
    const pending = screen.getAllByTestId('pending-job').map((row) => row.getAttribute('data-prompt-id'));
    expect(pending).toEqual([queue.queue_pending[0]?.[1], queue.queue_pending[1]?.[1]]);
  });

  it('cancels one pending prompt with POST /queue {delete:[id]}, sending the API key', async () => {
    updateSettings({ apiKey: 'k1' });
    const fetchMock = vi.fn(async () => new Response(null, { status: 200 }));
    vi.stubGlobal('fetch', fetchMock);
    renderPanel();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel cccccccc' }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalled());
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/queue');
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({ delete: ['cccccccc-0000-4000-8000-000000000003'] });
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer k1');
  });

  it('moves a prompt waiting in our queue to the front; the first one has nothing to move past', async () => {
    const fetchMock = vi.fn(async () => Response.json({ moved: true, number: 1 }));
    vi.stubGlobal('fetch', fetchMock);
    renderPanel();
    expect(screen.queryByRole('button', { name: 'Move to front bbbbbbbb' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Move to front cccccccc' }));
    await waitFor(() => expect(fetchMock).toHaveBeenCalled());
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/automa/queue/cccccccc-0000-4000-8000-000000000003/front');
    expect(init.method).toBe('POST');
  });

  it('shows the service’s error when cancelling fails', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Response.json({ error: { type: 'bad_request', message: 'nope', details: 'why', extra_info: {} } }, { status: 400 })));
    renderPanel();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel bbbbbbbb' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', 'nope');
  });
});
