import fs from 'node:fs';

/**
 * Parsing of the settings that decide who may reach the service: CORS origin, API keys and the
 * refusal to listen on the network without either a key or an explicit opt-out.
 * Problems are collected like every other config problem; key values never appear in them.
 */

/** Visible ASCII without spaces or commas (AUTOMA_API_KEY is comma-separated), 16 or more. */
const KEY_RE = /^[\x21-\x2b\x2d-\x7e]{16,}$/;
const KEY_RULE = 'keys need 16 or more visible ASCII characters without spaces or commas (e.g. `openssl rand -hex 32`)';

/** Keys from --api-key (repeatable) and --api-keys-file (one per line, # comments), deduplicated. */
export function readApiKeys(inline: readonly string[], file: string | undefined, problems: string[]): string[] {
  const keys: string[] = [];
  inline.forEach((key, i) => {
    if (KEY_RE.test(key)) keys.push(key);
    else problems.push(`--api-key: key #${i + 1} is unusable: ${KEY_RULE}`);
  });
  if (file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(`--api-keys-file: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      return keys;
    }
    const before = keys.length;
    text.split(/\r?\n/).forEach((line, i) => {
      const key = line.trim();
      if (key === '' || key.startsWith('#')) return;
      if (KEY_RE.test(key)) keys.push(key);
      else problems.push(`--api-keys-file: line ${i + 1} of ${JSON.stringify(file)} is unusable: ${KEY_RULE}`);
    });
    // An empty file would silently turn authentication off: say so instead.
    if (keys.length === before) problems.push(`--api-keys-file: ${JSON.stringify(file)} holds no key`);
  }
  return [...new Set(keys)];
}

/** `*` or an http(s) origin, normalised to scheme://host[:port] so it can go in a header as is. */
export function parseCorsOrigin(value: string | undefined, problems: string[]): string | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (text === '*') return '*';
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    problems.push(`--enable-cors-header: expected * or an origin such as https://app.example.com, got ${JSON.stringify(value)}`);
    return null;
  }
  return url.origin;
}

/** true/false for flags that take no value; env values spell it out. */
export function parseFlag(flag: string, text: string | undefined, problems: string[]): boolean {
  if (text === undefined) return false;
  if (/^(1|true|yes|on)$/i.test(text.trim())) return true;
  if (/^(0|false|no|off)$/i.test(text.trim())) return false;
  problems.push(`--${flag}: expected true or false, got ${JSON.stringify(text)}`);
  return false;
}

/**
 * Listening beyond this machine without a key would let anyone on the network queue prompts and
 * read every output, so it takes an explicit --allow-unauthenticated (e.g. behind a proxy that
 * authenticates).
 */
export function checkExposure(host: string, keys: readonly string[], allowUnauthenticated: boolean, problems: string[]): void {
  if (keys.length > 0 || allowUnauthenticated || isLoopbackHost(host)) return;
  problems.push(
    `--host ${host}: the service would be reachable from the network without authentication; ` +
      'set --api-key or --api-keys-file, or pass --allow-unauthenticated if something in front of it authenticates',
  );
}

function isLoopbackHost(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || name === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) || /^::ffff:127\./.test(name);
}
