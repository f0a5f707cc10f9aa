import { MantineProvider } from '@mantine/core';
import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { ErrorState, isRetryable } from './state-views';

function renderError(error: unknown) {
  const onRetry = vi.fn();
  render(
    <MantineProvider>
      <ErrorState error={error} onRetry={onRetry} />
    </MantineProvider>,
  );
  return onRetry;
}

describe('ErrorState', () => {
  it('offers Retry when no answer came or the service failed', () => {
    expect(isRetryable(new ApiError(0, 'network', 'Failed to fetch'))).toBe(true);
    expect(isRetryable(new ApiError(503, 'service_unavailable', 'No backend'))).toBe(true);
    expect(isRetryable(new TypeError('boom'))).toBe(true);
    const onRetry = renderError(new ApiError(502, 'backend_unavailable', 'gpu-1 is down'));
    screen.getByRole('button', { name: 'Retry' }).click();
    expect(onRetry).toHaveBeenCalledOnce();
  });

  it('shows a 4xx in the service’s words, without a Retry that would only fail the same way', () => {
    expect(isRetryable(new ApiError(400, 'invalid_field', 'created_before: must be later than created_from'))).toBe(false);
    renderError(new ApiError(400, 'invalid_field', 'created_before: must be later than created_from', 'got 5'));
    expect(screen.getByRole('alert').textContent).toContain('created_before: must be later than created_from');
    expect(screen.getByRole('alert').textContent).toContain('got 5');
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
  });
});
