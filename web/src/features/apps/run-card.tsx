import { Anchor, Badge, Group, Paper, Progress, SimpleGrid, Stack, Text } from '@mantine/core';
import { Link } from 'react-router';
import type { RunStatus, RunView } from '@contract';
import { AuthImage } from '../../components/auth-image';
import { formatDuration, shortId } from '../../components/format';
import { useI18n } from '../../i18n/i18n';
import { useLive } from '../../live/live-context';
import { stepPercent } from '../../live/prompt-activity';

export const RUN_COLOR: Readonly<Record<RunStatus, string>> = { queued: 'gray', running: 'blue', succeeded: 'teal', failed: 'red', cancelled: 'orange' };

/** A preview-sized URL of an output: /view's WebP conversion, never the full picture in a list. */
export function previewUrl(url: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}preview=webp;60`;
}

/** One run: status, live progress (the event stream's steps), timing, its images linked to the gallery. */
export function RunCard({ run }: { run: RunView }) {
  const { t } = useI18n();
  const live = useLive();
  const activity = live.activity.get(run.prompt_id);
  const percent = run.status === 'running' ? (stepPercent(activity) ?? Math.round(run.progress.fraction * 100)) : null;
  const images = run.outputs.filter((o) => o.kind === 'image' && o.url !== null);
  const prompt = typeof run.inputs.prompt === 'string' ? run.inputs.prompt : null;
  return (
    <Paper data-testid="run-card" data-run-id={run.id} data-prompt-id={run.prompt_id} data-status={run.status}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Anchor component={Link} to={`/gallery/${run.prompt_id}`} size="sm" ff="monospace" title={run.prompt_id}>
            {shortId(run.prompt_id)}
          </Anchor>
          <Group gap={6} wrap="nowrap">
            {run.timings.run_ms !== null && (
              <Text size="xs" c="dimmed">
                {formatDuration(run.timings.run_ms)}
              </Text>
            )}
            <Badge color={RUN_COLOR[run.status]}>{t(`runs.status.${run.status}`)}</Badge>
          </Group>
        </Group>
        {prompt !== null && (
          <Text size="xs" c="dimmed" lineClamp={2} title={prompt}>
            {prompt}
          </Text>
        )}
        {(run.status === 'queued' || run.status === 'running') && (
          <Progress value={percent ?? 100} striped={percent === null} animated size="sm" aria-label={t('runs.progressOf', { id: shortId(run.prompt_id) })} />
        )}
        {run.error !== null && (
          <Text size="xs" c="var(--mantine-color-error)" lineClamp={3}>
            {run.error.message}
          </Text>
        )}
        {images.length > 0 && (
          <SimpleGrid cols={Math.min(images.length, 2)} spacing={4}>
            {images.map((image) => (
              <Link key={image.url} to={`/gallery/${run.prompt_id}`} aria-label={t('runs.openInGallery', { id: shortId(run.prompt_id) })}>
                <AuthImage src={previewUrl(image.url ?? '')} alt={t('runs.outputOf', { id: shortId(run.prompt_id) })} style={{ width: '100%', aspectRatio: '1', objectFit: 'cover', display: 'block', borderRadius: 4 }} />
              </Link>
            ))}
          </SimpleGrid>
        )}
      </Stack>
    </Paper>
  );
}
