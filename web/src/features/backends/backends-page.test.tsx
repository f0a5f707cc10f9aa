import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BackendList, BackendView } from '@contract';
import { BackendsPage } from './backends-page';

const backend = (name: string, gateway: string | null): BackendView => ({
  name,
  url: `http://${name}:8188`,
  state: 'up',
  running: [],
  prefetched: [],
  last_error: null,
  comfyui_version: '0.33.0',
  devices: [],
  system: null,
  node_classes: 12,
  models_known: 3,
  gateway,
});

/** The page against a service answering /automa/backends with `list`. */
async function renderWith(list: BackendList) {
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify(list), { status: 200, headers: { 'content-type': 'application/json' } })));
  render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
        <MemoryRouter>
          <BackendsPage />
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
  await screen.findByText(list.backends[0]?.name ?? '');
}

afterEach(() => vi.unstubAllGlobals());

describe('BackendsPage', () => {
  it('in a cluster, says which gateway drives each backend, and when none does yet', async () => {
    await renderWith({ backends: [backend('gpu0', 'gw-a'), backend('gpu1', 'gw-b'), backend('gpu2', null)] });
    expect(screen.getAllByTestId('backend-gateway').map((el) => el.textContent)).toEqual(['Driven by gateway gw-a', 'Driven by gateway gw-b', 'No gateway drives it yet']);
  });

  it('for a lone gateway, says nothing of gateways', async () => {
    await renderWith({ backends: [backend('gpu0', null), backend('gpu1', null)] });
    expect(screen.queryAllByTestId('backend-gateway')).toHaveLength(0);
  });
});
