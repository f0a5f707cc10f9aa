#!/usr/bin/env node
// Runs the test suite: every test/**/*.test.ts (or the files/patterns given as
// arguments) under node's test runner with tsx's loader.
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
const child = spawn(
  process.execPath,
  // A hung test fails after 4 minutes instead of holding CI until its own deadline.
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=240000', ...files],
  { stdio: 'inherit' },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
