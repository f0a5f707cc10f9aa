import { Alert, Anchor, Badge, Button, Group, Loader, Progress, ScrollArea, Stack, Text, Title, Tooltip } from '@mantine/core';
import { IconDownload, IconPlayerStop, IconRefresh } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import type { RunStatus, SweepCellView, SweepView } from '@contract';
import { api } from '../../api/client';
import { useSweep } from '../../api/queries';
import { AuthImage, downloadFile } from '../../components/auth-image';
import { shortId } from '../../components/format';
import { Section } from '../../components/section';
import { ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { previewUrl, RUN_COLOR } from '../apps/run-card';
import { gridLayout } from './sweep-grid';

const CELL = 132;
const HEADER = { fontSize: 'var(--mantine-font-size-xs)', fontWeight: 600 } as const;
const SECTIONS: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'running'];

/** One sweep: its counts, a grid that fills in as cells finish, cancel, retry the failed, the contact sheet. */
export function SweepPage() {
  const { t } = useI18n();
  const { sweepId } = useParams();
  const sweep = useSweep(sweepId);
  return (
    <Stack gap="md">
      <Title order={1}>{t('sweeps.detailTitle')}</Title>
      {sweep.isPending ? <LoadingState /> : sweep.isError ? <ErrorState error={sweep.error} onRetry={() => void sweep.refetch()} /> : <SweepDetail sweep={sweep.data} />}
    </Stack>
  );
}

function SweepDetail({ sweep }: { sweep: SweepView }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['sweeps'] });
  const cancel = useMutation({ mutationFn: () => api.cancelSweep(sweep.id), onSettled: refresh });
  const retry = useMutation({ mutationFn: () => api.retrySweep(sweep.id), onSettled: refresh });
  const sheet = useMutation({ mutationFn: () => downloadFile(api.sheetUrl(sweep.id), `sweep-${shortId(sweep.id)}.png`) });
  const done = sweep.counts.succeeded + sweep.counts.failed + sweep.counts.cancelled;
  const unfinished = sweep.status === 'queued' || sweep.status === 'running';
  const error = cancel.error ?? retry.error ?? sheet.error;
  const byIndex = new Map(sweep.cells.map((cell) => [cell.index, cell]));
  return (
    <Stack gap="md" data-testid="sweep" data-status={sweep.status}>
      <Section
        title={sweep.name ?? t('sweeps.untitled', { id: shortId(sweep.id) })}
        actions={
          <Group gap="xs">
            <Button variant="default" leftSection={<IconDownload size={14} aria-hidden />} loading={sheet.isPending} onClick={() => sheet.mutate()}>
              {t('sweeps.sheet')}
            </Button>
            <Button variant="default" leftSection={<IconRefresh size={14} aria-hidden />} disabled={sweep.counts.failed === 0} loading={retry.isPending} onClick={() => retry.mutate()}>
              {t('sweeps.retry', { count: sweep.counts.failed })}
            </Button>
            <Button color="red" variant="light" leftSection={<IconPlayerStop size={14} aria-hidden />} disabled={!unfinished} loading={cancel.isPending} onClick={() => cancel.mutate()}>
              {t('sweeps.cancel')}
            </Button>
          </Group>
        }
      >
        <Stack gap={6}>
          <Group gap="xs">
            <Badge color={sweep.status === 'finished' ? 'teal' : sweep.status === 'cancelled' ? 'orange' : 'blue'}>{t(`sweeps.status.${sweep.status}`)}</Badge>
            <Text size="sm">{t('sweeps.doneOf', { done, count: sweep.count })}</Text>
            <Text size="xs" c="dimmed">
              {sweep.axes.map((a) => `${a.input} × ${a.values.length}`).join(sweep.mode === 'grid' ? '  ·  ' : '  ‖  ')} ({t(`sweeps.${sweep.mode}`)})
            </Text>
            <Anchor component={Link} to={`/apps/${sweep.app_id}`} size="xs">
              {t('sweeps.openApp')}
            </Anchor>
          </Group>
          <Progress.Root size="md">
            {SECTIONS.map((status) =>
              sweep.counts[status] > 0 ? (
                <Tooltip key={status} label={`${t(`runs.status.${status}`)}: ${sweep.counts[status]}`}>
                  <Progress.Section
                    value={(sweep.counts[status] / sweep.count) * 100}
                    color={RUN_COLOR[status]}
                    animated={status === 'running'}
                    striped={status === 'running'}
                    aria-label={`${t('sweeps.progress')}: ${t(`runs.status.${status}`)} ${sweep.counts[status]}`}
                  />
                </Tooltip>
              ) : null,
            )}
          </Progress.Root>
          {error && (
            <Alert color="red" variant="light" role="alert">
              {error.message}
            </Alert>
          )}
        </Stack>
      </Section>
      <Section title={t('sweeps.cells')}>
        <ScrollArea>
          <Stack gap="md">
            {gridLayout(sweep.axes, sweep.mode, sweep.count).map((block, b) => (
              <Stack key={b} gap={4}>
                {block.title !== null && (
                  <Text size="sm" fw={600}>
                    {block.title}
                  </Text>
                )}
                {/* A plain table: Mantine's stretches to the width, and cells should stay thumbnail-sized. */}
                <table style={{ borderSpacing: 4, marginLeft: -4 }}>
                  <thead>
                    <tr>
                      <th />
                      {block.columns.map((label, c) => (
                        <th key={c} style={{ ...HEADER, textAlign: 'center', maxWidth: CELL }}>
                          {sweep.mode === 'grid' && sweep.axes.length > 1 ? `${sweep.axes[sweep.axes.length - 1]?.input ?? ''} ${label}` : label}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {block.rows.map((row) => (
                      <tr key={row.label}>
                        <th scope="row" style={{ ...HEADER, textAlign: 'right', whiteSpace: 'nowrap', paddingRight: 6 }}>
                          {row.label}
                        </th>
                        {row.cells.map((index) => (
                          <td key={index} style={{ padding: 0 }}>
                            <Cell cell={byIndex.get(index)} index={index} />
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Stack>
            ))}
          </Stack>
        </ScrollArea>
      </Section>
    </Stack>
  );
}

function Cell({ cell, index }: { cell: SweepCellView | undefined; index: number }) {
  const { t } = useI18n();
  const box = { width: CELL, height: CELL, borderRadius: 4, overflow: 'hidden', display: 'flex', alignItems: 'center', justifyContent: 'center', background: 'var(--mantine-color-default)' } as const;
  if (cell === undefined) return <div style={box} data-testid="sweep-cell" data-status="" aria-label={t('sweeps.cellPending', { n: index + 1 })} />;
  const image = cell.outputs.find((o) => o.kind === 'image' && o.url !== null);
  const label = Object.entries(cell.coords).map(([k, v]) => `${k} ${String(v)}`).join(', ');
  return (
    <Link to={`/gallery/${cell.prompt_id}`} data-testid="sweep-cell" data-status={cell.status} data-index={cell.index} aria-label={`${label}: ${t(`runs.status.${cell.status}`)}`} style={{ display: 'block' }}>
      {image !== undefined ? (
        <AuthImage src={previewUrl(image.url ?? '')} alt={label} style={{ ...box, objectFit: 'cover' }} />
      ) : (
        <div style={{ ...box, border: `1px solid var(--mantine-color-${RUN_COLOR[cell.status]}-filled)` }}>
          <Stack gap={4} align="center">
            {cell.status === 'running' && <Loader size="xs" />}
            <Text size="xs">{t(`runs.status.${cell.status}`)}</Text>
          </Stack>
        </div>
      )}
    </Link>
  );
}
