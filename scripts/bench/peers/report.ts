/** The peers bench's side-by-side table: one block per workload, one line per system. */
import type { Row } from '../context.js';
import { fmt } from '../stats.js';

const HEADERS = [
  'workload',
  'system',
  'figure',
  '×best peer',
  'acked ops/s',
  'p50 ms',
  'p99 ms',
  'CPU µs/op',
  '×CPU',
  'conv',
  'targets',
];

function cells(r: Row): string[] {
  const f = r.figures as {
    workload: string;
    unit: string;
    value: number;
    ratioToBestPeer: number;
    acked: number | null;
    cpuRatioToBestPeer: number;
  };
  return [
    f.workload,
    r.case,
    `${fmt(f.value)} ${f.unit}`,
    fmt(f.ratioToBestPeer, 2),
    f.acked === null ? '–' : fmt(f.acked),
    fmt(r.p50),
    fmt(r.p99),
    fmt(r.cpuUsPerOp),
    fmt(f.cpuRatioToBestPeer, 2),
    r.converged === null ? 'n/a' : r.converged ? 'yes' : 'NO',
    r.checks.map((c) => `${c.pass ? 'pass' : 'MISS'} ${c.target}`).join('; ') || '–',
  ];
}

/** A Markdown table of the peers rows (those with a `workload` figure). */
export function renderPeersTable(rows: Row[]): string {
  const peerRows = rows.filter((r) => r.figures.workload !== undefined);
  const table = [HEADERS, ...peerRows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const lines = [line(HEADERS), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`];
  for (const r of peerRows) lines.push(line(cells(r)));
  const noisy = [
    ...new Set(
      peerRows
        .filter((r) => r.load && r.load.otherCores > 0.25)
        .map((r) => `${r.figures.workload} (${r.load!.otherCores.toFixed(2)})`),
    ),
  ];
  if (noisy.length) lines.push('', `Noisy: other work used >0.25 cores during ${noisy.join(', ')}.`);
  lines.push(
    '',
    '×best peer: the figure over the best peer’s (highest rate, or lowest latency); ×CPU: server CPU per op over the lowest peer’s.',
  );
  return lines.join('\n');
}
