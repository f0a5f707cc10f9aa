/** A backend's devices (ComfyUI's /system_stats `devices`) with their VRAM in use. */
import { Group, Progress, Stack, Text } from '@mantine/core';
import { useI18n } from '../i18n/i18n';
import { formatBytes } from './format';

export interface Device {
  readonly name: string;
  readonly type: string;
  readonly vramTotal: number | null;
  readonly vramFree: number | null;
}

/** Read the devices a backend reported; entries that are not objects are skipped. */
export function readDevices(devices: readonly unknown[]): Device[] {
  const result: Device[] = [];
  for (const entry of devices) {
    if (typeof entry !== 'object' || entry === null) continue;
    const d = entry as Record<string, unknown>;
    const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);
    result.push({
      name: typeof d.name === 'string' ? d.name : '?',
      type: typeof d.type === 'string' ? d.type : '',
      vramTotal: number(d.vram_total),
      vramFree: number(d.vram_free),
    });
  }
  return result;
}

/** Share of VRAM in use, 0..100, or null when the backend did not say. */
export function vramUsedPercent(device: Device): number | null {
  if (device.vramTotal === null || device.vramFree === null || device.vramTotal <= 0) return null;
  return Math.min(100, Math.max(0, Math.round(((device.vramTotal - device.vramFree) / device.vramTotal) * 100)));
}

export function DeviceList({ devices }: { devices: readonly unknown[] }) {
  const { t } = useI18n();
  const list = readDevices(devices);
  if (list.length === 0) {
    return (
      <Text size="xs" c="dimmed">
        {t('backends.noDevices')}
      </Text>
    );
  }
  return (
    <Stack gap={6}>
      {list.map((device, i) => {
        const used = vramUsedPercent(device);
        return (
          <Stack gap={2} key={`${device.name}-${i}`}>
            <Group justify="space-between" gap="xs" wrap="nowrap">
              <Text size="xs" truncate title={device.name}>
                {device.name}
              </Text>
              {device.vramTotal !== null && device.vramFree !== null && (
                <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                  {formatBytes(device.vramTotal - device.vramFree)} / {formatBytes(device.vramTotal)}
                </Text>
              )}
            </Group>
            {used !== null && <Progress value={used} size="xs" color={used > 90 ? 'red' : used > 70 ? 'yellow' : 'accent'} aria-label={t('backends.vramUsed', { name: device.name, percent: used })} />}
          </Stack>
        );
      })}
    </Stack>
  );
}
