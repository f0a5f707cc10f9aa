/**
 * Where a service's CPU went, from a V8 .cpuprofile (npm run bench -- --cpu-prof writes one per
 * service process into bench/results/):
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
 * Prints self time by module (our src files, each package, node internals, GC) and by function.
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** `node_modules/<pkg>`, our file under src/, `node:<internal>`, or V8's pseudo-frames. */
function moduleOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName || 'native'})`;
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage?.[1]) return inPackage[1];
  const ours = /\/(src|dist|bench)\/(.+)$/.exec(url);
  if (ours?.[2]) return `${ours[1] === 'dist' ? 'src' : ours[1]}/${ours[2].replace(/\.js$/, '.ts')}`;
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:');
  return path.basename(url);
}

function top(map: Map<string, number>, count: number, total: number): string[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
}

function main(): void {
  const [file, countText] = process.argv.slice(2);
  if (file === undefined) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
  const count = Number(countText ?? 25);
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') return void (idle += us);
    total += us;
    const module = moduleOf(url, functionName);
    byModule.set(module, (byModule.get(module) ?? 0) + us);
    const where = url === '' ? '' : ` ${moduleOf(url, functionName)}:${lineNumber + 1}`;
    const name = `${functionName || '(anonymous)'}${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
  });
  process.stdout.write(`${path.basename(file)}: ${(total / 1000).toFixed(0)} ms on CPU, ${(idle / 1000).toFixed(0)} ms idle\n\n`);
  process.stdout.write(`self time by module\n${top(byModule, count, total).join('\n')}\n\nself time by function\n${top(byFunction, count, total).join('\n')}\n`);
}

main();
