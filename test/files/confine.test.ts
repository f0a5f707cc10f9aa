import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { isInside, pathRefusalError, resolveConfined, type ConfinedPath } from '../../src/files/index.js';
import { makeTempDir } from '../helpers/app.js';

/**
 * root/                     outside/
 *   a/b.txt                   secret.txt
 *   link-in -> a
 *   out -> ../outside
 *   out-file -> ../outside/secret.txt
 *   dangling -> ../nowhere
 *   loop -> loop
 * root-link -> root
 */
function fixture(t: { after: (fn: () => void) => void }): { root: string; realRoot: string; outside: string; rootLink: string } {
  const temp = makeTempDir('automa-paths-');
  t.after(temp.remove);
  const root = path.join(temp.dir, 'root');
  const outside = path.join(temp.dir, 'outside');
  fs.mkdirSync(path.join(root, 'a'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, 'a', 'b.txt'), 'inside');
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  fs.symlinkSync('a', path.join(root, 'link-in'));
  fs.symlinkSync('../outside', path.join(root, 'out'));
  fs.symlinkSync('../outside/secret.txt', path.join(root, 'out-file'));
  fs.symlinkSync('../nowhere', path.join(root, 'dangling'));
  fs.symlinkSync('loop', path.join(root, 'loop'));
  const rootLink = path.join(temp.dir, 'root-link');
  fs.symlinkSync('root', rootLink);
  return { root, realRoot: fs.realpathSync(root), outside, rootLink };
}

function assertOk(result: ConfinedPath, expected: { path: string; exists: boolean }, label: string): void {
  assert.ok(result.ok, `${label}: ${JSON.stringify(result)}`);
  assert.equal(result.path, expected.path, label);
  assert.equal(result.exists, expected.exists, label);
}

function assertRefused(result: ConfinedPath, reason: string, label: string): void {
  assert.equal(result.ok, false, `${label} must be refused, got ${JSON.stringify(result)}`);
  if (!result.ok) assert.equal(result.reason, reason, label);
}

test('plain relative paths resolve under the real root, existing or not', async (t) => {
  const { root, realRoot } = fixture(t);
  assertOk(await resolveConfined(root, 'a/b.txt'), { path: path.join(realRoot, 'a/b.txt'), exists: true }, 'file');
  assertOk(await resolveConfined(root, 'a'), { path: path.join(realRoot, 'a'), exists: true }, 'folder');
  assertOk(await resolveConfined(root, ''), { path: realRoot, exists: true }, 'empty is the root itself');
  assertOk(await resolveConfined(root, 'new/dir/file.png'), { path: path.join(realRoot, 'new/dir/file.png'), exists: false }, 'new upload target');
  assertOk(await resolveConfined(root, './a//b.txt'), { path: path.join(realRoot, 'a/b.txt'), exists: true }, 'dot and empty segments');
  assertOk(await resolveConfined(root, 'a/../a/b.txt'), { path: path.join(realRoot, 'a/b.txt'), exists: true }, '.. that stays inside');
  const result = await resolveConfined(root, 'a/b.txt');
  assert.ok(result.ok && result.relative === 'a/b.txt');
});

test('traversal is refused however it is spelled', async (t) => {
  const { root } = fixture(t);
  const cases: [string, string, boolean][] = [
    ['..', 'traversal', false],
    ['../outside/secret.txt', 'traversal', false],
    ['a/../../outside/secret.txt', 'traversal', false],
    ['a/./../../x', 'traversal', false],
    // percent-encoded, decoded exactly once
    ['%2e%2e/outside/secret.txt', 'traversal', true],
    ['%2e%2e%2foutside%2fsecret.txt', 'traversal', true],
    ['a%2f..%2f..%2fx', 'traversal', true],
    ['..%2F', 'traversal', true],
    // backslashes, raw and encoded
    ['..\\outside\\secret.txt', 'malformed', false],
    ['a\\b.txt', 'malformed', false],
    ['..%5coutside', 'malformed', true],
    // absolute
    ['/etc/passwd', 'absolute', false],
    ['%2fetc%2fpasswd', 'absolute', true],
    ['C:/Windows/win.ini', 'absolute', false],
    ['c:x', 'absolute', false],
    ['C:\\Windows', 'malformed', false],
    // NUL, raw and encoded, and broken encodings
    ['a/b.txt\0.png', 'malformed', false],
    ['a/b.txt%00.png', 'malformed', true],
    ['%E0%A4%A', 'malformed', true],
    ['%', 'malformed', true],
  ];
  for (const [input, reason, percentEncoded] of cases) {
    assertRefused(await resolveConfined(root, input, { percentEncoded }), reason, JSON.stringify(input));
  }
});

test('double-encoding is decoded once only: what remains is a literal name inside the root', async (t) => {
  const { root, realRoot } = fixture(t);
  for (const input of ['%252e%252e/outside/secret.txt', '%252e%252e%252fsecret.txt']) {
    const result = await resolveConfined(root, input, { percentEncoded: true });
    assert.ok(result.ok, input);
    assert.ok(isInside(realRoot, result.path), `${input} → ${result.path}`);
    assert.equal(result.exists, false, 'names no real file');
  }
  // Values Fastify already decoded are not decoded again.
  const literal = await resolveConfined(root, '%2e%2e/outside');
  assert.ok(literal.ok && literal.path === path.join(realRoot, '%2e%2e/outside'));
});

test('symlinks out of the root are refused, even for files that do not exist yet', async (t) => {
  const { root, realRoot } = fixture(t);
  assertRefused(await resolveConfined(root, 'out/secret.txt'), 'symlink_escape', 'file through a folder link');
  assertRefused(await resolveConfined(root, 'out'), 'symlink_escape', 'the folder link itself');
  assertRefused(await resolveConfined(root, 'out/new-upload.png'), 'symlink_escape', 'new file through a folder link');
  assertRefused(await resolveConfined(root, 'out-file'), 'symlink_escape', 'file link');
  assertRefused(await resolveConfined(root, 'dangling'), 'symlink_escape', 'dangling link (a write would follow it)');
  assertRefused(await resolveConfined(root, 'dangling/x.png'), 'symlink_escape', 'below a dangling link');
  assertRefused(await resolveConfined(root, 'loop'), 'symlink_escape', 'link loop');
  assertRefused(await resolveConfined(root, 'loop/x'), 'symlink_escape', 'below a link loop');
  assertRefused(await resolveConfined(root, 'out%2fsecret.txt', { percentEncoded: true }), 'symlink_escape', 'encoded slash');
  // Links that stay inside are followed to their real place.
  assertOk(await resolveConfined(root, 'link-in/b.txt'), { path: path.join(realRoot, 'a/b.txt'), exists: true }, 'inside link');
});

test('a root reached through a symlink, or missing, still confines', async (t) => {
  const { rootLink, realRoot, root } = fixture(t);
  assertOk(await resolveConfined(rootLink, 'a/b.txt'), { path: path.join(realRoot, 'a/b.txt'), exists: true }, 'root via link');
  assertRefused(await resolveConfined(rootLink, 'out/secret.txt'), 'symlink_escape', 'escape via linked root');
  const missing = path.join(root, 'not-yet');
  assertOk(await resolveConfined(missing, 'x/y.png'), { path: path.join(missing, 'x/y.png'), exists: false }, 'missing root');
  assertRefused(await resolveConfined(missing, '../a'), 'traversal', 'traversal from a missing root');
});

test('refusals map to 400 for malformed input and 403 for escapes', () => {
  const bad = pathRefusalError({ reason: 'traversal', message: 'path leaves its folder' }, 'subfolder');
  assert.equal(bad.status, 400);
  assert.match(bad.message, /subfolder/);
  assert.equal(pathRefusalError({ reason: 'absolute', message: 'absolute path' }).status, 400);
  assert.equal(pathRefusalError({ reason: 'malformed', message: 'NUL' }).status, 400);
  assert.equal(pathRefusalError({ reason: 'symlink_escape', message: 'link' }).status, 403);
});

test('isInside compares whole path segments', () => {
  assert.equal(isInside('/data/out', '/data/out'), true);
  assert.equal(isInside('/data/out', '/data/out/a/b'), true);
  assert.equal(isInside('/data/out', '/data/outside'), false);
  assert.equal(isInside('/data/out', '/data'), false);
  assert.equal(isInside('/data/out', '/data/out/..foo'), true, 'a name starting with .. is still inside');
});
