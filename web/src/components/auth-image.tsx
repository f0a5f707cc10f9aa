/**
 * An image from the service. Without an API key it is a plain lazy `<img>` (the browser caches
 * it); with one, `<img>` cannot send the Authorization header, so the bytes are fetched with it
 * and shown from an object URL, released when the image leaves the screen.
 */
import { useEffect, useState, type CSSProperties } from 'react';
import { apiFetch } from '../api/client';
import { useSettings } from '../settings/settings-store';

export interface AuthImageProps {
  readonly src: string;
  readonly alt: string;
  readonly style?: CSSProperties;
  readonly className?: string;
}

export function AuthImage({ src, alt, style, className }: AuthImageProps) {
  const { apiKey } = useSettings();
  const [objectUrl, setObjectUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    setFailed(false);
    if (apiKey === '') return undefined;
    const controller = new AbortController();
    let url: string | null = null;
    apiFetch(src, { signal: controller.signal, headers: { accept: 'image/*' } })
      .then((response) => response.blob())
      .then((blob) => {
        url = URL.createObjectURL(blob);
        setObjectUrl(url);
      })
      .catch(() => {
        if (!controller.signal.aborted) setFailed(true);
      });
    return () => {
      controller.abort();
      if (url !== null) URL.revokeObjectURL(url);
      setObjectUrl(null);
    };
  }, [src, apiKey]);

  if (failed) return <div role="img" aria-label={alt} className={className} style={{ ...style, background: 'var(--mantine-color-default-hover)' }} />;
  const shown = apiKey === '' ? src : objectUrl;
  if (shown === null) return <div role="img" aria-label={alt} aria-busy className={className} style={{ ...style, background: 'var(--mantine-color-default)' }} />;
  return <img src={shown} alt={alt} loading="lazy" decoding="async" className={className} style={style} onError={() => setFailed(true)} />;
}

/** Save a file from the service under `filename` (through fetch when a key must be sent). */
export async function downloadFile(url: string, filename: string): Promise<void> {
  const response = await apiFetch(url, { headers: { accept: '*/*' } });
  const objectUrl = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = objectUrl;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(objectUrl), 10_000);
}

/** Save JSON made in the page (a workflow) as a file. */
export function downloadJson(value: unknown, filename: string): void {
  const objectUrl = URL.createObjectURL(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = objectUrl;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(objectUrl), 10_000);
}
