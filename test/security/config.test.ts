import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { helpText, loadConfig, type Config } from '../../src/config/index.js';
import { makeTempDir } from '../helpers/app.js';
import { runBin } from '../main/service.js';

const KEY = 'config-key-0123456789abcdef';

function configOf(argv: readonly string[], env: Record<string, string> = {}): Config {
  const loaded = loadConfig(argv, env);
  if (loaded.kind !== 'config') throw new Error(`expected a config, got ${JSON.stringify(loaded)}`);
  return loaded.config;
}

function problemsOf(argv: readonly string[], env: Record<string, string> = {}): string {
  const loaded = loadConfig(argv, env);
  assert.equal(loaded.kind, 'invalid', `expected problems for ${JSON.stringify(argv)}`);
  return loaded.kind === 'invalid' ? loaded.problems.join('\n') : '';
}

test('defaults: origin check on, no keys, limits set', () => {
  const config = configOf([]);
  assert.equal(config.corsOrigin, null);
  assert.deepEqual(config.apiKeys, []);
  assert.equal(config.allowUnauthenticated, false);
  assert.equal(config.maxWsClients, 1000);
  assert.equal(config.headerTimeoutMs, 30_000);
  assert.equal(config.idleTimeoutMs, 72_000);
});

test('--enable-cors-header takes an optional origin, like ComfyUI', () => {
  assert.equal(configOf(['--enable-cors-header']).corsOrigin, '*', 'bare, last');
  const followed = configOf(['--enable-cors-header', '--port', '1234']);
  assert.equal(followed.corsOrigin, '*', 'bare, followed by another flag');
  assert.equal(followed.port, 1234, 'that flag keeps its value');
  assert.equal(configOf(['--enable-cors-header', 'https://app.example:8443']).corsOrigin, 'https://app.example:8443');
  assert.equal(configOf(['--enable-cors-header=https://APP.example/']).corsOrigin, 'https://app.example');
  assert.equal(configOf(['--enable-cors-header', '*']).corsOrigin, '*');
  assert.equal(configOf([], { AUTOMA_ENABLE_CORS_HEADER: 'http://a.example' }).corsOrigin, 'http://a.example');
  for (const bad of ['ftp://a.example', 'https://a.example/path', 'not an origin', 'https://a.example?x=1']) {
    assert.match(problemsOf(['--enable-cors-header', bad]), /--enable-cors-header/, bad);
  }
});

test('--api-key repeats; --api-keys-file reads one key a line with # comments; both merge', (t) => {
  const temp = makeTempDir('automa-keys-');
  t.after(temp.remove);
  const file = path.join(temp.dir, 'keys');
  fs.writeFileSync(file, `# service keys\n\n  file-key-one-0123456789  \r\nfile-key-two-0123456789\n# old-key-0123456789012\n${KEY}\n`);
  const config = configOf(['--api-key', KEY, '--api-key', 'another-key-0123456789', '--api-keys-file', file]);
  assert.deepEqual([...config.apiKeys].sort(), [KEY, 'another-key-0123456789', 'file-key-one-0123456789', 'file-key-two-0123456789'].sort());
  assert.deepEqual(configOf([], { AUTOMA_API_KEY: `${KEY},another-key-0123456789` }).apiKeys, [KEY, 'another-key-0123456789']);
  assert.deepEqual(configOf([], { AUTOMA_API_KEYS_FILE: file }).apiKeys.length, 3);
});

test('unusable keys and key files are config problems that never echo a key', (t) => {
  const temp = makeTempDir('automa-keys-');
  t.after(temp.remove);
  const short = 'short-secret';
  assert.match(problemsOf(['--api-key', short]), /--api-key: key #1/);
  assert.ok(!problemsOf(['--api-key', short]).includes(short));
  assert.match(problemsOf(['--api-key', 'has space in it 0123456789']), /--api-key/);
  assert.match(problemsOf(['--api-keys-file', path.join(temp.dir, 'missing')]), /cannot read/);
  const empty = path.join(temp.dir, 'empty');
  fs.writeFileSync(empty, '# nothing here\n\n');
  assert.match(problemsOf(['--api-keys-file', empty]), /holds no key/, 'an empty file must not turn authentication off');
  const bad = path.join(temp.dir, 'bad');
  fs.writeFileSync(bad, `${KEY}\ntoo-short\n`);
  const problems = problemsOf(['--api-keys-file', bad]);
  assert.match(problems, /line 2/);
  assert.ok(!problems.includes('too-short'));
});

test('a non-loopback --host needs a key or --allow-unauthenticated, and says why', () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.10', 'myhost.lan']) {
    const problems = problemsOf(['--host', host]);
    assert.match(problems, /reachable from the network/, host);
    assert.match(problems, /--api-key/);
    assert.match(problems, /--allow-unauthenticated/);
    assert.equal(configOf(['--host', host, '--api-key', KEY]).host, host);
    assert.equal(configOf(['--host', host, '--allow-unauthenticated']).allowUnauthenticated, true);
    assert.equal(configOf(['--host', host], { AUTOMA_ALLOW_UNAUTHENTICATED: 'true' }).allowUnauthenticated, true);
    assert.match(problemsOf(['--host', host], { AUTOMA_ALLOW_UNAUTHENTICATED: 'false' }), /reachable from the network/);
  }
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) assert.equal(configOf(['--host', host]).host, host);
  assert.match(problemsOf(['--allow-unauthenticated=maybe']), /--allow-unauthenticated: expected true or false/);
});

test('limits: WebSocket cap and timeouts are bounded whole numbers', () => {
  const config = configOf(['--max-ws-clients', '5', '--header-timeout', '1500', '--idle-timeout', '2500']);
  assert.equal(config.maxWsClients, 5);
  assert.equal(config.headerTimeoutMs, 1500);
  assert.equal(config.idleTimeoutMs, 2500);
  assert.match(problemsOf(['--max-ws-clients', '0']), /--max-ws-clients/);
  assert.match(problemsOf(['--header-timeout', '999999']), /--header-timeout/);
  assert.match(problemsOf(['--idle-timeout', 'soon']), /--idle-timeout/);
});

test('--help shows the optional and the value-less flags as such', () => {
  const text = helpText();
  assert.match(text, /--enable-cors-header \[origin\]/);
  assert.match(text, /--allow-unauthenticated {2,}/);
  assert.match(text, /--api-key <key>/);
  assert.match(text, /AUTOMA_API_KEYS_FILE/);
});

test('the CLI refuses to listen on the network without a key: exit 2 and the reason on stderr', async (t) => {
  const temp = makeTempDir('automa-cli-');
  t.after(temp.remove);
  const result = await runBin(['--host', '0.0.0.0', '--port', '0', '--data-dir', temp.dir]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /--host 0\.0\.0\.0/);
  assert.match(result.stderr, /--allow-unauthenticated/);
  assert.equal(fs.readdirSync(temp.dir).length, 0, 'nothing created before refusing');
});
