#!/usr/bin/env node
// Runs the test suite: every test/**/*.test.ts (or the files/patterns given as
// arguments) under node's test runner with tsx's loader, then (for a full run, no arguments)
// the web app's component tests with Vitest (web/src/**/*.test.ts[x]).
//
// Why a script and not `glob -c "tsx --test"`: glob only runs a command with
// spaces through the shell named by $SHELL, and CI's environment has none, so
// the command was spawned as one executable name and failed with ENOENT.
import { spawn } from 'node:child_process';
import { glob } from 'glob';

const patterns = process.argv.slice(2);
const files = (await glob(patterns.length > 0 ? patterns : ['test/**/*.test.ts'], { nodir: true })).sort();
if (files.length === 0) {
  console.error(`no test files match ${patterns.join(' ') || 'test/**/*.test.ts'}`);
  process.exit(1);
}

const child = spawn(
  process.execPath,
  // A hung test fails after 4 minutes instead of holding CI until its own deadline.
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=240000', ...files],
  { stdio: 'inherit' },
);
let current = child;
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => current.kill(signal));
const exitCode = (code, signal) => code ?? (signal ? 1 : 0);
child.on('exit', (code, signal) => {
  const nodeResult = exitCode(code, signal);
  if (patterns.length > 0) process.exit(nodeResult);
  // Vitest after node's runner, so the runner's summary stays the last thing CI reads from it.
  const vitest = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--config', 'web/vite.config.ts'], { stdio: 'inherit' });
  current = vitest;
  vitest.on('exit', (vCode, vSignal) => process.exit(nodeResult || exitCode(vCode, vSignal)));
});
