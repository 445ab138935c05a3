/**
 * `npm run bench -- --peers`: Gitpad side by side with its peers (issue 17) — Hocuspocus (Yjs,
 * default settings, and with its SQLite extension), y-websocket's server and stock ShareDB
 * (MemoryDB over ws) — each in its own server process, driven by the same client work:
 *
 * - `writer-100KB`, `writer-1MB`: one closed-loop writer. Every system: the next edit when the
 *   observer (a second client) has it (`visible`); where edits are acknowledged (Gitpad, ShareDB,
 *   Hocuspocus's SyncStatus), also the next edit on the acknowledgement (`acked`). Server CPU per
 *   op over the visible loop's window.
 * - `visibility`: a writer at 50 ops/s on 100 KB; the observer's send→seen p50/p99.
 * - `trace`: automerge-paper replayed txn by txn, closed on the observer; edits/s until the
 *   observer holds the final text; the text must equal the trace's (or the replayed prefix's).
 * - `crowd-50`, `crowd-200`: the typing crowd (scenarios/crowd.ts) on every system; remote
 *   visibility p50/p99, throughput, server CPU per delivered op.
 *
 * Rounds are interleaved: round r runs every system on the workload, in an order rotated by r,
 * before round r+1; figures are medians over rounds. Every figure is also given as a ratio to the
 * best peer's, and Gitpad's rows carry issue 17's targets. Convergence is checked for every system
 * in every round (scenarios' own checks: all clients equal, equal to a fresh client, and equal to
 * what was typed).
 */
import type { BenchContext, Check, Row } from '../context.js';
import type { WriterResult } from '../load/peers.js';
import { SYSTEMS, type SystemName } from '../peers/systems.js';
import { fmt, median, summarize } from '../stats.js';
import { type Endpoint, statsDelta } from '../targets.js';
import { sequentialTraceFiles } from '../traces.js';
import { codeText, sampleWindow, windowFrom } from './common.js';
import { runCrowd } from './crowd.js';

/** What one system did in one round of a workload. */
interface Figures {
  /** The headline: a rate (higher is better) or a latency (lower is better). */
  value: number;
  p50?: number;
  p99?: number;
  cpuUsPerOp?: number;
  /** Closed-loop rate on acknowledgements, where the system acknowledges edits. */
  acked?: number;
  converged: boolean;
  extra: Record<string, unknown>;
}

interface Workload {
  name: string;
  title: string;
  /** The headline's unit, and whether higher is better. */
  unit: string;
  higherIsBetter: boolean;
  run(ctx: BenchContext, ep: Endpoint): Promise<Figures>;
  /** Gitpad's targets against the best peer (medians). */
  checks(gitpad: Summary, best: Record<string, Summary>): Check[];
}

/** Median figures of one system over the rounds. */
interface Summary {
  value: number;
  p50: number;
  p99: number;
  cpuUsPerOp: number;
  acked: number;
  converged: boolean;
  rounds: Figures[];
}

const ACKED = new Set<SystemName>(['gitpad', 'sharedb', 'hocuspocus', 'hocuspocus-sqlite']);

function writerWorkload(label: string, size: number): Workload {
  return {
    name: `writer-${label}`,
    title: `closed-loop single writer on ${label}, next edit when the observer has the last`,
    unit: 'ops/s',
    higherIsBetter: true,
    async run(ctx, ep) {
      const [gen] = await ctx.generators(1);
      const text = codeText(size);
      const warm = ctx.quick ? 300 : 1000;
      const measure = ctx.quick ? 1500 : 4000;
      const loop = async (kind: 'visible' | 'acked') => {
        const doc = await ep.prepareDoc(text, 2);
        const w = windowFrom(500, warm, measure);
        const [r, sample] = await Promise.all([
          gen!.call<WriterResult>('peers.writer', {
            url: ep.url,
            token: doc.tokens[0],
            c: doc.c,
            d: doc.d,
            loop: kind,
            window: w,
          }),
          ctx.profiled(ep, `peers-writer-${label}-${kind}`, () => sampleWindow(ep, [gen!], w)),
        ]);
        const server = statsDelta(sample.s0, sample.s1);
        return { r, cpuUsPerOp: server.cpuUs / Math.max(1, r.opsPerSec * (measure / 1000)) };
      };
      const visible = await loop('visible');
      const acked = ACKED.has(ep.system as SystemName) || ep.kind === 'gitpad' ? await loop('acked') : null;
      return {
        value: visible.r.opsPerSec,
        p50: visible.r.latency.p50,
        p99: visible.r.latency.p99,
        cpuUsPerOp: visible.cpuUsPerOp,
        ...(acked ? { acked: acked.r.opsPerSec } : {}),
        converged: visible.r.converged && (acked?.r.converged ?? true),
        extra: {
          visible: visible.r,
          ...(acked ? { acked: acked.r, ackedCpuUsPerOp: acked.cpuUsPerOp } : {}),
        },
      };
    },
    checks: (g, best) => [
      { target: '≥1.2× best peer rate', pass: g.value >= 1.2 * best.value!.value },
      { target: '≤0.8× its CPU/op', pass: g.cpuUsPerOp <= 0.8 * best.value!.cpuUsPerOp },
    ],
  };
}

const visibilityWorkload: Workload = {
  name: 'visibility',
  title: 'writer at 50 ops/s on 100 KB, observer send→seen',
  unit: 'ms p50',
  higherIsBetter: false,
  async run(ctx, ep) {
    const [gen] = await ctx.generators(1);
    const doc = await ep.prepareDoc(codeText(100 * 1024), 2);
    const w = windowFrom(500, ctx.quick ? 300 : 1000, ctx.quick ? 1500 : 5000);
    const [r, sample] = await Promise.all([
      gen!.call('peers.visibility', {
        url: ep.url,
        token: doc.tokens[0],
        c: doc.c,
        d: doc.d,
        rate: 50,
        window: w,
      }),
      ctx.profiled(ep, 'peers-visibility', () => sampleWindow(ep, [gen!], w)),
    ]);
    const server = statsDelta(sample.s0, sample.s1);
    return {
      value: r.latency.p50,
      p50: r.latency.p50,
      p99: r.latency.p99,
      cpuUsPerOp: server.cpuUs / Math.max(1, r.latency.n),
      converged: r.converged,
      extra: r,
    };
  },
  checks: (g, best) => [{ target: 'p50 ≤ best peer', pass: g.p50 <= best.p50!.p50 }],
};

const traceWorkload: Workload = {
  name: 'trace',
  title: 'automerge-paper replay, each txn closed on the observer',
  unit: 'edits/s',
  higherIsBetter: true,
  async run(ctx, ep) {
    const [gen] = await ctx.generators(1);
    const trace = sequentialTraceFiles().find((t) => t.name === 'automerge-paper');
    if (!trace) throw new Error('automerge-paper trace not found (set GITPAD_TRACES_DIR)');
    const doc = await ep.prepareDoc('', 2);
    const before = await ep.stats();
    const r = await ctx.profiled(ep, 'peers-trace', () =>
      gen!.call('peers.trace', {
        url: ep.url,
        token: doc.tokens[0],
        c: doc.c,
        d: doc.d,
        file: trace.file,
        limit: ctx.quick ? 500 : TRACE_TXNS,
      }),
    );
    const server = statsDelta(before, await ep.stats());
    return {
      value: r.editsPerSec,
      p50: r.latency.p50,
      p99: r.latency.p99,
      cpuUsPerOp: server.cpuUs / Math.max(1, r.edits),
      converged: r.converged,
      extra: r,
    };
  },
  checks: (g, best) => [
    { target: '≥1.2× best peer rate', pass: g.value >= 1.2 * best.value!.value },
    { target: '≤0.8× its CPU/op', pass: g.cpuUsPerOp <= 0.8 * best.value!.cpuUsPerOp },
  ],
};

/** Txns of automerge-paper replayed per system and round in a full run (of 259,778). */
export const TRACE_TXNS = 15_000;

function crowdWorkload(n: number): Workload {
  return {
    name: `crowd-${n}`,
    title: `typing crowd of ${n}, 6 chars/s each, remote visibility`,
    unit: 'ms p50',
    higherIsBetter: false,
    async run(ctx, ep) {
      const r = await runCrowd(ctx, ep, {
        typists: n,
        warmMs: ctx.quick ? 1000 : 3000,
        measureMs: ctx.quick ? 2000 : 8000,
      });
      return {
        value: r.visibility.p50,
        p50: r.visibility.p50,
        p99: r.visibility.p99,
        cpuUsPerOp: r.cpuUsPerDelivered,
        converged: r.converged === true && r.undelivered === 0,
        extra: { ...r },
      };
    },
    checks: (g, best) => {
      const checks: Check[] = [
        { target: 'p50 < every peer', pass: g.p50 < best.p50!.p50 },
        { target: 'p99 < every peer', pass: g.p99 < best.p99!.p99 },
      ];
      if (n === 200) checks.push({ target: 'p99 ≤250 ms', pass: g.p99 <= 250 });
      return checks;
    },
  };
}

export const PEER_WORKLOADS: Workload[] = [
  writerWorkload('100KB', 100 * 1024),
  writerWorkload('1MB', 1024 * 1024),
  visibilityWorkload,
  traceWorkload,
  crowdWorkload(50),
  crowdWorkload(200),
];

/** How long one system's round of a workload may take before it counts as failed, ms. */
export const ROUND_LIMIT_MS = 180_000;

/** One round on one system; a failure or a round past `limitMs` is a failed, unconverged round. */
async function runBounded(w: Workload, ctx: BenchContext, ep: Endpoint, limitMs: number): Promise<Figures> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${limitMs / 1000} s`)), limitMs);
  });
  const run = w.run(ctx, ep);
  run.catch(() => undefined); // it may still settle after the limit
  try {
    return await Promise.race([run, limit]);
  } catch (err) {
    const message = (err as Error).message?.split('\n')[0] ?? String(err);
    return { value: Number.NaN, converged: false, extra: { error: message } };
  } finally {
    clearTimeout(timer);
  }
}

function summarizeRounds(rounds: Figures[]): Summary {
  const med = (pick: (f: Figures) => number | undefined) => {
    const values = rounds.map(pick).filter((v): v is number => v !== undefined && !Number.isNaN(v));
    return values.length ? median(values) : Number.NaN;
  };
  return {
    value: med((f) => f.value),
    p50: med((f) => f.p50),
    p99: med((f) => f.p99),
    cpuUsPerOp: med((f) => f.cpuUsPerOp),
    acked: med((f) => f.acked),
    converged: rounds.every((f) => f.converged),
    rounds,
  };
}

/** The best peer for each figure (Gitpad excluded): highest rate, lowest latency and CPU. */
function bestPeers(w: Workload, all: Map<SystemName, Summary>): Record<string, Summary> {
  const others = [...all.entries()].filter(([s]) => s !== 'gitpad').map(([, v]) => v);
  // With --systems gitpad alone there is no peer: ratios are then to Gitpad itself.
  const peers = others.length ? others : [...all.values()];
  // A figure no peer has (every round failed) falls back to a peer's NaN: the ratio is then NaN.
  const pick = (key: keyof Summary, higher: boolean) =>
    peers
      .filter((p) => !Number.isNaN(p[key] as number))
      .sort((a, b) =>
        higher ? (b[key] as number) - (a[key] as number) : (a[key] as number) - (b[key] as number),
      )[0] ?? peers[0]!;
  return {
    value: pick('value', w.higherIsBetter),
    p50: pick('p50', false),
    p99: pick('p99', false),
    cpuUsPerOp: pick('cpuUsPerOp', false),
  };
}

/** Runs the chosen workloads, `rounds` interleaved rounds each. */
export async function runPeers(ctx: BenchContext, only?: string[], systems?: string[]): Promise<Row[]> {
  const chosen = systems?.length ? SYSTEMS.filter((s) => systems.includes(s)) : SYSTEMS;
  const wrong = (systems ?? []).filter((s) => !SYSTEMS.includes(s as SystemName));
  if (wrong.length) throw new Error(`unknown system(s): ${wrong.join(', ')} (${SYSTEMS.join(', ')})`);
  const unknown = (only ?? []).filter((n) => !PEER_WORKLOADS.some((w) => w.name === n));
  if (unknown.length)
    throw new Error(
      `unknown peers workload(s): ${unknown.join(', ')} (${PEER_WORKLOADS.map((w) => w.name).join(', ')})`,
    );
  const workloads = only?.length ? PEER_WORKLOADS.filter((w) => only.includes(w.name)) : PEER_WORKLOADS;
  const rounds = ctx.quick ? 1 : 3;
  const rows: Row[] = [];
  for (const w of workloads) {
    ctx.log(`▶ peers ${w.name}: ${w.title}`);
    ctx.load.begin();
    const endpoints = new Map<SystemName, Endpoint>();
    const figures = new Map<SystemName, Figures[]>(chosen.map((s) => [s, []]));
    try {
      for (const s of chosen) endpoints.set(s, s === 'gitpad' ? await ctx.gitpad() : await ctx.peer(s));
      const gaveUp = new Set<SystemName>();
      for (let r = 0; r < rounds; r++) {
        const order = chosen.map((_, i) => chosen[(i + r) % chosen.length]!);
        for (const s of order) {
          if (gaveUp.has(s)) continue;
          const f = await runBounded(w, ctx, endpoints.get(s)!, ctx.quick ? 90_000 : ROUND_LIMIT_MS);
          figures.get(s)!.push(f);
          if (f.extra.error) {
            // A server that fell behind (or broke) would only slow every later round: its later rounds
            // are skipped and the system counts as not converged.
            gaveUp.add(s);
            ctx.log(`  round ${r + 1} ${s}: FAILED (${f.extra.error}); its later rounds are skipped`);
            continue;
          }
          ctx.log(
            `  round ${r + 1} ${s}: ${fmt(f.value)} ${w.unit}${f.acked !== undefined ? ` (acked ${fmt(f.acked)})` : ''}` +
              `, p50/p99 ${fmt(f.p50)}/${fmt(f.p99)} ms, ${fmt(f.cpuUsPerOp)} µs/op${f.converged ? '' : ', NOT CONVERGED'}`,
          );
        }
      }
    } finally {
      for (const ep of endpoints.values()) await ep.stop().catch(() => ep.child.kill());
      await ctx.cleanup();
    }
    const load = ctx.load.end();
    if (load && load.otherCores > 0.25)
      ctx.log(
        `  ! other work used ${load.otherCores.toFixed(2)} cores during this workload: figures are noisy`,
      );
    const summaries = new Map<SystemName, Summary>(chosen.map((s) => [s, summarizeRounds(figures.get(s)!)]));
    const best = bestPeers(w, summaries);
    for (const s of chosen) {
      const m = summaries.get(s)!;
      const ratio = m.value / best.value!.value;
      rows.push({
        scenario: `peers ${w.name}`,
        case: s,
        result:
          `${fmt(m.value)} ${w.unit} (${fmt(ratio, 2)}× best peer ${fmt(best.value!.value)})` +
          (Number.isNaN(m.acked) ? '' : `; acked ${fmt(m.acked)} ops/s`),
        p50: m.p50,
        p99: m.p99,
        cpuUsPerOp: m.cpuUsPerOp,
        converged: m.converged,
        checks: s === 'gitpad' ? w.checks(m, best) : [],
        figures: {
          workload: w.name,
          system: s,
          unit: w.unit,
          value: m.value,
          ratioToBestPeer: ratio,
          p50: m.p50,
          p99: m.p99,
          p50RatioToBestPeer: m.p50 / best.p50!.p50,
          p99RatioToBestPeer: m.p99 / best.p99!.p99,
          cpuUsPerOp: m.cpuUsPerOp,
          cpuRatioToBestPeer: m.cpuUsPerOp / best.cpuUsPerOp!.cpuUsPerOp,
          acked: Number.isNaN(m.acked) ? null : m.acked,
          rounds: m.rounds.map((f) => ({ ...f, extra: undefined })),
          details: m.rounds.map((f) => f.extra),
          spread: summarize(m.rounds.map((f) => f.value)),
        },
        load,
      });
    }
  }
  return rows;
}
