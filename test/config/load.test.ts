import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { envName, helpText, loadConfig, OPTIONS, type Config } from '../../src/config/index.js';

const MB = 1024 * 1024;

function configOf(argv: readonly string[], env: Record<string, string> = {}): Config {
  const loaded = loadConfig(argv, env);
  assert.equal(loaded.kind, 'config', JSON.stringify(loaded));
  if (loaded.kind !== 'config') throw new Error('unreachable');
  return loaded.config;
}

function problemsOf(argv: readonly string[], env: Record<string, string> = {}): readonly string[] {
  const loaded = loadConfig(argv, env);
  assert.equal(loaded.kind, 'invalid', JSON.stringify(loaded));
  if (loaded.kind !== 'invalid') throw new Error('unreachable');
  return loaded.problems;
}

test('defaults match the documented ones', () => {
  const config = configOf([]);
  // The settings issue 2 documents; other settings have tests next to their features.
  assert.deepEqual(
    {
      host: config.host,
      port: config.port,
      dataDir: config.dataDir,
      backends: config.backends,
      publicDir: config.publicDir,
      maxUploadSizeBytes: config.maxUploadSizeBytes,
      maxJsonBodyBytes: config.maxJsonBodyBytes,
      logLevel: config.logLevel,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
    },
    {
      host: '127.0.0.1',
      port: 8189,
      dataDir: path.resolve('./data'),
      backends: [{ name: '127.0.0.1:8188', url: 'http://127.0.0.1:8188' }],
      publicDir: null,
      maxUploadSizeBytes: 100 * MB,
      maxJsonBodyBytes: 10 * MB,
      logLevel: 'info',
      shutdownTimeoutMs: 10_000,
    },
  );
  assert.ok(Object.isFrozen(config), 'the config is frozen');
});

test('every flag is read, and sizes are megabytes', () => {
  const config = configOf([
    '--host', 'localhost',
    '--port', '0',
    '--data-dir', '/tmp/automa-data',
    '--public-dir', os.tmpdir(),
    '--max-upload-size', '2.5',
    '--max-json-body-size', '1',
    '--log-level', 'debug',
    '--shutdown-timeout', '250',
  ]);
  assert.equal(config.host, 'localhost');
  assert.equal(config.port, 0);
  assert.equal(config.dataDir, '/tmp/automa-data');
  assert.equal(config.publicDir, path.resolve(os.tmpdir()));
  assert.equal(config.maxUploadSizeBytes, Math.floor(2.5 * MB));
  assert.equal(config.maxJsonBodyBytes, MB);
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.shutdownTimeoutMs, 250);
  assert.equal(configOf(['--port=1234']).port, 1234, '--flag=value works too');
});

test('environment variables fill in, and flags win over them', () => {
  const env = {
    AUTOMA_HOST: '127.0.0.2',
    AUTOMA_PORT: '9000',
    AUTOMA_DATA_DIR: '/srv/automa',
    AUTOMA_LOG_LEVEL: 'warn',
    AUTOMA_MAX_UPLOAD_SIZE: '5',
    AUTOMA_COMFYUI: 'gpu1=http://10.0.0.1:8188, http://10.0.0.2:8188',
  };
  const fromEnv = configOf([], env);
  assert.equal(fromEnv.host, '127.0.0.2');
  assert.equal(fromEnv.port, 9000);
  assert.equal(fromEnv.dataDir, '/srv/automa');
  assert.equal(fromEnv.logLevel, 'warn');
  assert.equal(fromEnv.maxUploadSizeBytes, 5 * MB);
  assert.deepEqual(fromEnv.backends, [
    { name: 'gpu1', url: 'http://10.0.0.1:8188' },
    { name: '10.0.0.2:8188', url: 'http://10.0.0.2:8188' },
  ]);

  const flagsWin = configOf(['--port', '7000', '--log-level', 'error', '--comfyui', 'http://127.0.0.1:9999'], env);
  assert.equal(flagsWin.port, 7000);
  assert.equal(flagsWin.logLevel, 'error');
  assert.deepEqual(flagsWin.backends, [{ name: '127.0.0.1:9999', url: 'http://127.0.0.1:9999' }], 'flag list replaces the env list');
  assert.equal(flagsWin.host, '127.0.0.2', 'env still fills flags that were not given');

  assert.equal(configOf([], { AUTOMA_PORT: '' }).port, 8189, 'an empty variable counts as unset');
});

test('--comfyui repeats, takes name=url, and normalises the URL', () => {
  const config = configOf([
    '--comfyui', 'http://127.0.0.1:8188/',
    '--comfyui', 'gpu-b=https://example.com:8443/comfy/',
    '--comfyui', 'http://user@host:1/?a=b',
  ]);
  assert.deepEqual(config.backends, [
    { name: '127.0.0.1:8188', url: 'http://127.0.0.1:8188' },
    { name: 'gpu-b', url: 'https://example.com:8443/comfy' },
    // the = inside the query string does not make "http://user@host:1/?a" a name
    { name: 'host:1', url: 'http://user@host:1/?a=b' },
  ]);
});

test('bad values: every problem is listed at once', () => {
  const problems = problemsOf([
    '--port', '70000',
    '--host', '',
    '--comfyui', 'ftp://x',
    '--comfyui', 'not a url',
    '--comfyui', 'bad name!=http://a:1',
    '--max-upload-size', '0',
    '--max-json-body-size', 'lots',
    '--log-level', 'loud',
    '--shutdown-timeout', '-5',
    '--data-dir', '',
    '--public-dir', '',
    '--bogus=x',
    'stray',
  ]);
  const expectMention = [
    '--port', '--host', 'ftp://x', 'not a url', 'bad name!', '--max-upload-size', '--max-json-body-size',
    '--log-level', '--shutdown-timeout', '--data-dir', '--public-dir', '--bogus', 'stray',
  ];
  for (const needle of expectMention) {
    assert.ok(problems.some((p) => p.includes(needle)), `a problem mentions ${needle}: ${JSON.stringify(problems)}`);
  }
  assert.equal(new Set(problems).size, problems.length, `no problem is listed twice: ${JSON.stringify(problems, null, 1)}`);
});

test('more bad values', () => {
  assert.match(problemsOf(['--port']).join('\n'), /--port: needs a value/);
  assert.match(problemsOf(['--port', '1.5']).join('\n'), /--port/);
  assert.match(problemsOf(['--port', 'abc']).join('\n'), /--port/);
  assert.match(problemsOf(['-x']).join('\n'), /unknown option -x/);
  assert.match(problemsOf(['--public-dir', path.join(os.tmpdir(), 'automa-no-such-dir-7f3a')]).join('\n'), /does not exist/);
  assert.match(problemsOf([], { AUTOMA_PORT: 'eighty' }).join('\n'), /--port/, 'bad env values are problems too');
  assert.match(problemsOf(['--comfyui', 'http://a:1', '--comfyui', 'http://a:1']).join('\n'), /used twice/);
  assert.match(problemsOf(['--comfyui', 'x=http://a:1', '--comfyui', 'x=http://b:1']).join('\n'), /used twice/);
  // A limit that rounds down to zero bytes would refuse every body.
  assert.match(problemsOf(['--max-json-body-size', '0.0000001']).join('\n'), /--max-json-body-size/);
});

test('--help wins over everything and lists every flag with its env variable and default', () => {
  for (const argv of [['--help'], ['-h'], ['--port', 'bad', '--help']]) {
    const loaded = loadConfig(argv, {});
    assert.equal(loaded.kind, 'help', JSON.stringify(argv));
  }
  const text = helpText();
  for (const option of OPTIONS) {
    assert.ok(text.includes(`--${option.flag}`), option.flag);
    assert.ok(text.includes(envName(option.flag)), envName(option.flag));
    assert.ok(text.includes(option.description), option.description);
    if (option.defaultText) assert.ok(text.includes(`(default: ${option.defaultText})`), option.defaultText);
  }
  for (const flag of ['--host', '--port', '--data-dir', '--comfyui', '--public-dir', '--max-upload-size', '--log-level']) {
    assert.ok(text.includes(flag), `issue 2 requires ${flag}`);
  }
});
