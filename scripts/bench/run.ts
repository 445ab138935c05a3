/**
 * `npm run bench [-- --quick] [--only a,b] [--json file] [--profile dir] [--peers]`
 *
 * Gitpad's benchmark suite (issue 7): starts a real server (embedded store, temp dirs) in its own
 * process, drives it through the public protocol with real socket.io + ShareDB clients from load
 * generator processes, runs each throughput scenario against the transport floor too, and prints
 * one table (the same figures go to --json). Every figure is judged against the targets of
 * issue 7; a missed target is reported, not fatal. Exit status 1 when a scenario fails or does not
 * converge.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BenchContext, type Row, type Scenario } from './context.js';
import { renderPeersTable } from './peers/report.js';
import { machine, renderRow, renderTable } from './report.js';
import { browserScenario } from './scenarios/browser.js';
import { coldOpenScenario } from './scenarios/cold-open.js';
import { crowdScenario } from './scenarios/crowd.js';
import { gitScenario } from './scenarios/git.js';
import { memoryScenario } from './scenarios/memory.js';
import { PEER_WORKLOADS, runPeers } from './scenarios/peers.js';
import { searchScenario } from './scenarios/search.js';
import { sessionsScenario } from './scenarios/sessions.js';
import { concurrentScenario, traceScenario } from './scenarios/trace.js';
import { writersScenario } from './scenarios/writers.js';

export const SCENARIOS: Scenario[] = [
  traceScenario,
  concurrentScenario,
  writersScenario,
  crowdScenario,
  sessionsScenario,
  coldOpenScenario,
  gitScenario,
  memoryScenario,
  searchScenario,
  browserScenario,
];

const USAGE = `usage: npm run bench -- [--quick] [--only ${SCENARIOS.map((s) => s.name).join(',')}] [--json <file>] [--profile <dir>] [--peers]
  --quick          a short version of every scenario (seconds each), for CI smoke
  --only a,b       run only these scenarios (with --peers: these workloads)
  --systems a,b    with --peers: only these systems (gitpad,hocuspocus,hocuspocus-sqlite,y-websocket,sharedb)
  --peers          Gitpad beside Hocuspocus, y-websocket and stock ShareDB (issue 17), interleaved
                   rounds of the workloads ${PEER_WORKLOADS.map((w) => w.name).join(',')}
  --json <file>    also write every figure as JSON
  --profile <dir>  write a V8 CPU profile of each server process into <dir> (see profile-summary.ts)`;

export interface BenchReport {
  mode: 'quick' | 'full';
  peers?: boolean;
  machine: ReturnType<typeof machine>;
  startedAt: string;
  seconds: number;
  scenarios: string[];
  rows: Row[];
  failed: string[];
}

export async function runBench(opts: {
  quick: boolean;
  only?: string[];
  profileDir?: string;
  peers?: boolean;
  systems?: string[];
  log?: (line: string) => void;
}): Promise<BenchReport> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (opts.peers) return runPeersBench({ ...opts, log });
  const unknown = (opts.only ?? []).filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}\n${USAGE}`);
  const selected = opts.only?.length ? SCENARIOS.filter((s) => opts.only!.includes(s.name)) : SCENARIOS;
  if (opts.profileDir) fs.mkdirSync(opts.profileDir, { recursive: true });
  const ctx = new BenchContext(opts.quick, opts.profileDir && path.resolve(opts.profileDir), log);
  const started = Date.now();
  const rows: Row[] = [];
  const failed: string[] = [];
  try {
    for (const scenario of selected) {
      log(`▶ ${scenario.name}: ${scenario.title}`);
      const t = Date.now();
      ctx.load.begin();
      try {
        const scenarioRows = await scenario.run(ctx);
        const load = ctx.load.end();
        for (const row of scenarioRows) {
          row.load = load;
          rows.push(row);
          log(`  ${renderRow(row)}`);
        }
        if (load && load.otherCores > 0.25) {
          log(
            `  ! other work used ${load.otherCores.toFixed(2)} cores during this scenario: figures are noisy`,
          );
        }
      } catch (err) {
        ctx.load.end();
        failed.push(scenario.name);
        const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`  ✗ ${scenario.name} failed: ${message}`);
        rows.push({
          scenario: scenario.name,
          case: 'error',
          result: `failed: ${(err as Error).message?.split('\n')[0] ?? String(err)}`,
          converged: false,
          checks: [],
          figures: { error: message },
        });
      } finally {
        await ctx.cleanup();
      }
      log(`  (${Math.round((Date.now() - t) / 1000)} s)`);
    }
  } finally {
    await ctx.close();
  }
  return {
    mode: opts.quick ? 'quick' : 'full',
    machine: machine(),
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    scenarios: selected.map((s) => s.name),
    rows,
    failed,
  };
}

/** `--peers`: the side-by-side workloads instead of the scenarios. */
async function runPeersBench(opts: {
  quick: boolean;
  only?: string[];
  systems?: string[];
  profileDir?: string;
  log: (line: string) => void;
}): Promise<BenchReport> {
  if (opts.profileDir) fs.mkdirSync(opts.profileDir, { recursive: true });
  const ctx = new BenchContext(opts.quick, opts.profileDir && path.resolve(opts.profileDir), opts.log);
  const started = Date.now();
  const failed: string[] = [];
  let rows: Row[] = [];
  try {
    rows = await runPeers(ctx, opts.only, opts.systems);
  } catch (err) {
    failed.push('peers');
    opts.log(`  ✗ peers failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await ctx.close();
  }
  return {
    mode: opts.quick ? 'quick' : 'full',
    peers: true,
    machine: machine(),
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 1000),
    scenarios: [...new Set(rows.map((r) => r.figures.workload as string))],
    rows,
    failed,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      json: { type: 'string' },
      profile: { type: 'string' },
      peers: { type: 'boolean', default: false },
      systems: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const report = await runBench({
    quick: values.quick ?? false,
    ...(values.only ? { only: values.only.split(',').map((s) => s.trim()) } : {}),
    ...(values.profile ? { profileDir: values.profile } : {}),
    peers: values.peers ?? false,
    ...(values.systems ? { systems: values.systems.split(',').map((s) => s.trim()) } : {}),
  });
  process.stdout.write(
    `\n${renderTable(report.rows, report.machine, `${report.peers ? 'peers, ' : ''}${report.mode}, ${report.seconds} s`)}\n`,
  );
  if (report.peers) process.stdout.write(`\n${renderPeersTable(report.rows)}\n`);
  if (values.json) {
    fs.mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
    fs.writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  }
  const diverged = report.rows.some((r) => r.converged === false);
  process.exitCode = report.failed.length || diverged ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('scripts/bench/run.ts')) {
  main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
