import { Badge } from '@mantine/core';
import type { BackendView } from '@contract';
import { useI18n } from '../i18n/i18n';

const COLORS = { up: 'teal', down: 'red', draining: 'yellow' } as const;

/** A backend's state as a colored badge. */
export function BackendStateBadge({ state }: { state: BackendView['state'] }) {
  const { t } = useI18n();
  return (
    <Badge color={COLORS[state]} variant="light" data-testid="backend-state" data-state={state}>
      {t(`backends.state.${state}`)}
    </Badge>
  );
}
