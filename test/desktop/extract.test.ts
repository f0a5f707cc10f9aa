import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ensureExtracted, type Manifest } from '../../packaging/sea/extract.js';
import { makeTempDir } from '../helpers/app.js';

const manifest: Manifest = {
  version: '1.2.3',
  buildId: 'abcdef012345',
  files: [
    { key: 'a', path: 'node_modules/pkg/lib/native.node', executable: false },
    { key: 'b', path: 'node_modules/tray/helper', executable: true },
  ],
};
const assets: Record<string, string> = { a: 'native bytes', b: 'helper bytes' };
const read = (key: string): ArrayBuffer => new TextEncoder().encode(assets[key]).buffer as ArrayBuffer;

test('embedded files are written once per version and build, laid out like the package', (t) => {
  const temp = makeTempDir();
  t.after(temp.remove);
  const dir = ensureExtracted(manifest, read, temp.dir);
  assert.equal(dir, path.join(temp.dir, '1.2.3-abcdef012345'));
  assert.equal(fs.readFileSync(path.join(dir, 'node_modules/pkg/lib/native.node'), 'utf8'), 'native bytes');
  if (process.platform !== 'win32') assert.notEqual(fs.statSync(path.join(dir, 'node_modules/tray/helper')).mode & 0o111, 0);
  // A second run reads nothing: the folder is complete by construction (renamed into place).
  assert.equal(ensureExtracted(manifest, () => assert.fail('read again'), temp.dir), dir);
  assert.deepEqual(fs.readdirSync(temp.dir), ['1.2.3-abcdef012345'], 'a partial folder was left');
});

test('a failed extraction leaves nothing behind', (t) => {
  const temp = makeTempDir();
  t.after(temp.remove);
  assert.throws(() => ensureExtracted(manifest, (key) => (key === 'b' ? assert.fail('asset b unreadable') : read(key)), temp.dir), /asset b unreadable/);
  assert.deepEqual(fs.readdirSync(temp.dir), []);
});
