/**
 * The results file and the printed table. One row per measured figure, in the issue's schema:
 * `ratio` is value ÷ baseline_value from this same run; `target` is a target ratio when the row
 * names a baseline, and an absolute target for `value` (ms, MB, prompts/s) when it names none.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OtherLoad } from './load-watch.js';

export interface ScenarioRow {
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  readonly baseline: string | null;
  readonly baseline_value: number | null;
  readonly ratio: number | null;
  readonly target: number | null;
  readonly lower_is_better?: boolean;
}

export interface ResultsFile {
  readonly date: string;
  readonly node: string;
  readonly cpus: number;
  readonly other_load: OtherLoad;
  readonly scenarios: readonly ScenarioRow[];
}

export interface RowInput {
  readonly name: string;
  readonly value: number | null;
  readonly unit: string;
  readonly baseline?: string | null;
  readonly baselineValue?: number | null;
  readonly target?: number | null;
  readonly lowerIsBetter?: boolean;
}

/** A row with its ratio computed from the two figures (null when either is missing). */
export function row(input: RowInput): ScenarioRow {
  const baselineValue = input.baselineValue ?? null;
  const ratio = input.value !== null && baselineValue !== null && baselineValue !== 0 ? input.value / baselineValue : null;
  return {
    name: input.name,
    value: input.value === null ? null : round(input.value),
    unit: input.unit,
    baseline: input.baseline ?? null,
    baseline_value: baselineValue === null ? null : round(baselineValue),
    ratio: ratio === null ? null : round(ratio, 3),
    target: input.target ?? null,
    ...(input.lowerIsBetter === true ? { lower_is_better: true } : {}),
  };
}

/** Keep 4 significant digits (at least `minDecimals` decimals below 1), so the file stays readable. */
export function round(value: number, minDecimals = 0): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const digits = Math.max(minDecimals, 3 - Math.floor(Math.log10(Math.abs(value))));
  const factor = 10 ** Math.max(0, digits);
  return Math.round(value * factor) / factor;
}

export type Verdict = 'met' | 'MISSED' | '';

/** Whether a row meets its target: on the ratio when it names a baseline, else on the value. */
export function verdict(r: ScenarioRow): Verdict {
  if (r.target === null) return '';
  const measured = r.baseline !== null ? r.ratio : r.value;
  if (measured === null) return '';
  const ok = r.lower_is_better === true ? measured <= r.target : measured >= r.target;
  return ok ? 'met' : 'MISSED';
}

const fmt = (value: number | null): string => {
  if (value === null) return '—';
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return String(round(value, 2));
};

/** The table as Markdown, for the terminal and the README alike. */
export function markdownTable(rows: readonly ScenarioRow[]): string {
  const lines = [
    '| scenario | value | baseline (same run) | baseline value | ratio | target | |',
    '|---|---:|---|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const target = r.target === null ? '—' : `${r.lower_is_better === true ? '≤' : '≥'} ${fmt(r.target)}${r.baseline === null ? ` ${r.unit}` : '×'}`;
    lines.push(
      `| ${r.name} | ${r.value === null ? 'not measured' : `${fmt(r.value)} ${r.unit}`} | ${r.baseline ?? '—'} | ${fmt(r.baseline_value)} | ${r.ratio === null ? '—' : `${r.ratio.toFixed(2)}×`} | ${target} | ${verdict(r)} |`,
    );
  }
  return lines.join('\n');
}

/** bench/results/<timestamp>.json; returns its path. */
export function writeResults(dir: string, rows: readonly ScenarioRow[], otherLoad: OtherLoad, started: Date): string {
  const file: ResultsFile = {
    date: started.toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    other_load: otherLoad,
    scenarios: rows,
  };
  fs.mkdirSync(dir, { recursive: true });
  const name = `${started.toISOString().replaceAll(':', '-').replace(/\.\d+Z$/, 'Z')}.json`;
  const target = path.join(dir, name);
  fs.writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`);
  return target;
}
