/**
 * Typing crowd: N lightweight clients (spread over several generator processes) each typing ~6
 * characters a second at its own caret in one shared file; a warm-up, then a measured window.
 * Remote visibility latency = from the moment a client sends an op until the last of the other
 * N−1 clients has applied it. Server CPU per delivered op = server CPU in the window / (ops sent
 * in the window × (N−1)). Convergence: every client at the same final version, a full ShareDB
 * client's text equal to a fresh fetch, and its length equal to everything typed.
 *
 * Also used by the memory scenario for the long crowd run (`runCrowd` with samples).
 */
import { now } from '../clients.js';
import type { BenchContext, Row, Scenario } from '../context.js';
import { generatorCores } from '../context.js';
import type { ServerStats } from '../ipc.js';
import { isYjs, parseUrl } from '../peers/systems.js';
import { fmt, fmtBytes, sleep, summarize } from '../stats.js';
import { type Endpoint, statsDelta } from '../targets.js';
import { crowdText, sampleWindow, spread, windowFrom } from './common.js';

export const CHARS_PER_SECOND = 6;

export interface CrowdResult {
  typists: number;
  generators: number;
  opsPerSec: number;
  deliveriesPerSec: number;
  visibility: ReturnType<typeof summarize>;
  ack: ReturnType<typeof summarize>;
  /** Ops sent in the window that not every other client applied. */
  undelivered: number;
  cpuUsPerDelivered: number;
  cpuUsPerOp: number;
  serverCores: number;
  generatorCores: number;
  peakRss: number;
  heapUsed: number;
  /** The server's worst event-loop delay in the window, ms (0 on the floor and in the long run). */
  loopDelayMax: number;
  converged: boolean | null;
  errors: number;
  /** Memory samples of the long run: [seconds since start, rss, heapUsed after GC]. */
  samples?: Array<[number, number, number]>;
}

export interface CrowdOptions {
  typists: number;
  warmMs: number;
  measureMs: number;
  /** Take a GC'd memory sample this often during the window (long run). */
  sampleEveryMs?: number;
}

export function generatorsFor(typists: number): number {
  return typists <= 10 ? 1 : typists <= 100 ? 2 : 4;
}

export async function runCrowd(ctx: BenchContext, ep: Endpoint, o: CrowdOptions): Promise<CrowdResult> {
  const n = o.typists;
  const gens = await ctx.generators(generatorsFor(n));
  const { text, carets } = crowdText(n);
  const doc = await ep.prepareDoc(text, n);
  const real = ep.kind === 'gitpad';
  // Every system but the floor (which keeps no text) gets a full observer for the convergence check.
  const checked = ep.kind !== 'floor';
  const specs = doc.tokens.map((token, i) => ({
    token,
    c: doc.c,
    d: doc.d,
    caret: carets[i]!,
    // A browser tab joins the session (presence); the floor knows no sessions.
    ...(real && doc.sessionId ? { sessionId: doc.sessionId } : {}),
  }));
  const parts = spread(specs, gens.length);
  await Promise.all(
    gens.map((g, i) =>
      g.call('typists.setup', {
        url: ep.url,
        typists: parts[i],
        charsPerSecond: CHARS_PER_SECOND,
        ...(checked && i === 0 ? { observer: { token: doc.tokens[0], c: doc.c, d: doc.d } } : {}),
      }),
    ),
  );
  const w = windowFrom(500, o.warmMs, o.measureMs);
  await Promise.all(gens.map((g) => g.call('typists.start', w)));
  let samples: Array<[number, number, number]> | undefined;
  let sample: Awaited<ReturnType<typeof sampleWindow>>;
  if (o.sampleEveryMs) {
    samples = [];
    await sleep(Math.max(0, w.from - now()));
    const s0 = await ep.stats();
    const g0 = await Promise.all(gens.map((g) => g.call('cpu')));
    let peakRss = s0.rss;
    let last: ServerStats = s0;
    while (now() < w.to) {
      const gc = await ep.gcStats();
      samples.push([(now() - w.from) / 1000, gc.rss, gc.heapUsed]);
      peakRss = Math.max(peakRss, gc.rss);
      ctx.log(
        `  long run ${fmt((now() - w.from) / 1000)} s: rss ${fmtBytes(gc.rss)}, heap ${fmtBytes(gc.heapUsed)}`,
      );
      await sleep(Math.min(o.sampleEveryMs, Math.max(0, w.to - now())));
      last = gc;
    }
    const s1 = await ep.stats();
    const g1 = await Promise.all(gens.map((g) => g.call('cpu')));
    sample = { s0, s1, g0, g1, peakRss: Math.max(peakRss, last.rss, s1.rss), loop: { p99: 0, max: 0 } };
  } else {
    sample = await ctx.profiled(ep, `crowd-${n}`, () => sampleWindow(ep, gens, w));
  }
  const stops = await Promise.all(gens.map((g) => g.call('typists.stop')));
  // ShareDB: the highest version once every op is acknowledged. Yjs peers acknowledge nothing that
  // orders edits, so their final version (clocks summed) is the seeded text plus all authored.
  const target = isYjs(parseUrl(ep.url).wire)
    ? text.length + stops.reduce((sum, s) => sum + (s.authored as number), 0)
    : Math.max(...stops.flatMap((s) => Object.values(s.versions as Record<string, number>)));
  const synced = await Promise.all(
    gens.map((g) =>
      g.call('typists.sync', { targets: { [`${doc.c}/${doc.d}`]: target }, timeoutMs: 60_000 }),
    ),
  );
  const results = await Promise.all(gens.map((g) => g.call('typists.collect')));
  await Promise.all(gens.map((g) => g.call('typists.close')));

  // Merge what every process saw: the last application of each op anywhere, and how many applied it.
  const seen = new Map<string, [number, number]>();
  for (const r of results) {
    for (const [key, t, count] of r.received as Array<[string, number, number]>) {
      const s = seen.get(key);
      if (s) {
        s[0] = Math.max(s[0], t);
        s[1] += count;
      } else seen.set(key, [t, count]);
    }
  }
  const submitted = results.flatMap((r) => r.submitted as Array<[string, number, number, number]>);
  const visibility: number[] = [];
  const acks: number[] = [];
  let undelivered = 0;
  for (const [key, sentAt, ackAt] of submitted) {
    acks.push(ackAt - sentAt);
    const s = seen.get(key);
    if (n === 1) continue;
    if (!s || s[1] < n - 1) undelivered++;
    else visibility.push(s[0] - sentAt);
  }
  const server = statsDelta(sample.s0, sample.s1);
  const measureS = o.measureMs / 1000;
  const deliveries = submitted.length * (n - 1);
  const versions = results.flatMap((r) => (r.versions as Array<[string, number, number]>).map((v) => v[1]));
  const typed = results.reduce(
    (s, r) => s + Object.values(r.typed as Record<string, number>).reduce((a: number, b: number) => a + b, 0),
    0,
  );
  const observer = results[0]!.observer as null | { ok: boolean; length: number; version: number };
  const errors = results.reduce((s, r) => s + r.errorCount, 0);
  let converged: boolean | null =
    synced.every((s) => s.ok) && versions.every((v) => v === target) && errors === 0;
  if (observer)
    converged &&= observer.ok && observer.length === text.length + typed && observer.version === target;
  return {
    typists: n,
    generators: gens.length,
    opsPerSec: submitted.length / measureS,
    deliveriesPerSec: deliveries / measureS,
    visibility: summarize(visibility),
    ack: summarize(acks),
    undelivered,
    cpuUsPerDelivered: server.cpuUs / Math.max(1, deliveries),
    cpuUsPerOp: server.cpuUs / Math.max(1, submitted.length),
    serverCores: server.cores,
    generatorCores: generatorCores(sample.g0, sample.g1),
    peakRss: sample.peakRss,
    heapUsed: sample.s1.heapUsed,
    loopDelayMax: sample.loop.max,
    converged: checked ? converged : null,
    errors,
    ...(samples ? { samples } : {}),
  };
}

export const crowdScenario: Scenario = {
  name: 'crowd',
  title: `typing crowd (N clients × ${CHARS_PER_SECOND} chars/s in one file)`,
  async run(ctx: BenchContext): Promise<Row[]> {
    const rows: Row[] = [];
    // Quick mode keeps the two smallest crowds: the big ones need a long window to mean anything.
    const sizes = ctx.quick ? [10, 50] : [10, 50, 100, 200];
    const warmMs = ctx.quick ? 1000 : 10_000;
    const measureMs = ctx.quick ? 3000 : 60_000;
    // The floor's figures are a reference for latency, not a target: a shorter window is enough.
    const floorMeasureMs = ctx.quick ? 3000 : 20_000;
    for (const n of sizes) {
      const gitpad = await ctx.gitpad();
      const floor = await ctx.floor();
      try {
        ctx.log(`crowd ${n}: gitpad`);
        const real = await runCrowd(ctx, gitpad, { typists: n, warmMs, measureMs });
        ctx.log(`crowd ${n}: floor`);
        const fl = await runCrowd(ctx, floor, {
          typists: n,
          warmMs: Math.min(warmMs, 5000),
          measureMs: floorMeasureMs,
        });
        const checks = [];
        if (n === 50) {
          checks.push({ target: 'p50 ≤5 ms', pass: real.visibility.p50 <= 5 });
          checks.push({ target: 'p99 ≤30 ms', pass: real.visibility.p99 <= 30 });
          checks.push({ target: '≤10 µs/delivered op', pass: real.cpuUsPerDelivered <= 10 });
        }
        if (n === 200) {
          checks.push({ target: 'p99 ≤250 ms', pass: real.visibility.p99 <= 250 });
          checks.push({ target: 'server ≤1 core', pass: real.serverCores <= 1 });
        }
        const ratio = real.deliveriesPerSec / fl.deliveriesPerSec;
        rows.push({
          scenario: 'crowd',
          case: `N=${n}`,
          result:
            `${fmt(real.opsPerSec)} ops/s → ${fmt(real.deliveriesPerSec)} deliveries/s; p95 ${fmt(real.visibility.p95)} ms; ` +
            `server ${fmt(real.serverCores)} cores, RSS ${fmtBytes(real.peakRss)}, worst loop stall ${fmt(real.loopDelayMax)} ms; floor p50/p99 ${fmt(fl.visibility.p50)}/${fmt(fl.visibility.p99)} ms`,
          p50: real.visibility.p50,
          p99: real.visibility.p99,
          floorRatio: ratio,
          cpuUsPerOp: real.cpuUsPerDelivered,
          converged: real.converged && real.undelivered === 0,
          checks,
          figures: { ...real, floor: fl, floorRatio: ratio },
          note:
            `lightweight clients in ${real.generators} generator process(es), generators at ${fmt(real.generatorCores)} cores; ` +
            `CPU column is per delivered op`,
        });
      } finally {
        await gitpad.stop();
        await floor.stop();
      }
    }
    return rows;
  },
};
