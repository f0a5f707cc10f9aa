#!/usr/bin/env node
// Runs the test suite: for a full run (no arguments) the web app's component tests with Vitest
// (web/src/**/*.test.ts[x]) first, then every test/**/*.test.ts (or the files/patterns given as
// arguments) under node's test runner with tsx's loader, whose summary stays the last thing
// printed (CI reads it).
//
// Why a script and not `glob -c "tsx --test"`: glob only runs a command with
// spaces through the shell named by $SHELL, and CI's environment has none, so
// the command was spawned as one executable name and failed with ENOENT.
import { spawn } from 'node:child_process';
import { glob } from 'glob';

const patterns = process.argv.slice(2);
// Without arguments, everything but test/package/: those build the release executables and need
// system packages (Xvfb, wine); `npm run test:package` runs them (packaging/test.sh).
const files = (
  await glob(patterns.length > 0 ? patterns : ['test/**/*.test.ts'], { nodir: true, ignore: patterns.length > 0 ? [] : ['test/package/**'] })
).sort();
if (files.length === 0) {
  console.error(`no test files match ${patterns.join(' ') || 'test/**/*.test.ts'}`);
  process.exit(1);
}

// CI reads which runtime ran the suite from its log (npm puts the project's own Node 24 first on PATH).
console.log(`running ${files.length} test files under Node ${process.version} (${process.execPath})`);
let current = null;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => current?.kill(signal));

/** Run node with `args`, inheriting stdio; resolves with its exit code. */
function run(args) {
  return new Promise((resolve) => {
    current = spawn(process.execPath, args, { stdio: 'inherit' });
    current.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const webResult = patterns.length > 0 ? 0 : await run(['node_modules/vitest/vitest.mjs', 'run', '--config', 'web/vite.config.ts']);
// A hung test fails after 4 minutes instead of holding CI until its own deadline.
const nodeResult = await run(['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=240000', ...files]);
process.exit(nodeResult || webResult);
