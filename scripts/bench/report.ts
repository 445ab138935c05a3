/** The table the bench prints, and the JSON it writes: the same rows. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { Row } from './context.js';
import { fmt } from './stats.js';

export interface Machine {
  cpus: number;
  model: string;
  node: string;
  platform: string;
  memoryGB: number;
  /** The commit measured, with `+changes` when server/ had uncommitted changes. */
  commit: string;
}

function commit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'server/src'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${sha}+changes` : sha;
  } catch {
    return 'unknown';
  }
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGB: Math.round(os.totalmem() / 1024 ** 3),
    commit: commit(),
  };
}

const HEADERS = ['scenario', 'case', 'result', 'p50 ms', 'p99 ms', '×floor', 'CPU µs/op', 'conv', 'targets'];

function cells(r: Row): string[] {
  const targets = r.checks.map((c) => `${c.pass ? 'pass' : 'MISS'} ${c.target}`).join('; ');
  return [
    r.scenario,
    r.case,
    r.result,
    fmt(r.p50),
    fmt(r.p99),
    r.floorRatio === undefined ? '–' : fmt(r.floorRatio, 2),
    fmt(r.cpuUsPerOp),
    r.converged === null ? 'n/a' : r.converged ? 'yes' : 'NO',
    targets || '–',
  ];
}

/** A Markdown table (readable as plain text too), with the machine on top. */
export function renderTable(rows: Row[], m: Machine, mode: string): string {
  const lines = [
    `Gitpad bench (${mode}) at ${m.commit} — ${m.cpus} × ${m.model}, ${m.memoryGB} GB, Node ${m.node}, ${m.platform}`,
    '',
  ];
  const table = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  lines.push(line(HEADERS));
  lines.push(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of rows) lines.push(line(cells(r)));
  const busy = [...new Set(rows.filter((r) => r.load && r.load.otherCores > 0.25).map((r) => r.scenario))];
  if (busy.length) {
    lines.push('');
    lines.push(
      `Noisy: other work used >0.25 cores during ${busy
        .map((s) => `${s} (${rows.find((r) => r.scenario === s)!.load!.otherCores.toFixed(2)})`)
        .join(', ')}.`,
    );
  }
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    lines.push('');
    for (const r of notes) lines.push(`- ${r.scenario} ${r.case}: ${r.note}`);
  }
  const misses = rows.flatMap((r) =>
    r.checks.filter((c) => !c.pass).map((c) => `${r.scenario} ${r.case}: ${c.target}`),
  );
  lines.push('');
  lines.push(misses.length ? `Missed targets (${misses.length}): ${misses.join('; ')}` : 'Every target met.');
  const diverged = rows.filter((r) => r.converged === false);
  if (diverged.length)
    lines.push(`NOT CONVERGED: ${diverged.map((r) => `${r.scenario} ${r.case}`).join('; ')}`);
  return lines.join('\n');
}

/** One row as a single progress line. */
export function renderRow(r: Row): string {
  return cells(r)
    .map((c, i) => `${HEADERS[i]}: ${c}`)
    .join(' | ');
}
