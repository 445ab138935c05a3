/**
 * Closed-loop writers: 1, 10 and 50 clients on one 100 KB file and on one 1 MB file, each
 * submitting its next edit as soon as the last is acknowledged; against the real server and the
 * transport floor. Ops/s, ack latency, submit retries (counted in the server), server CPU per op.
 */
import type { BenchContext, Row, Scenario } from '../context.js';
import { generatorCores } from '../context.js';
import type { Child } from '../ipc.js';
import { fmt, summarize } from '../stats.js';
import { type Endpoint, statsDelta } from '../targets.js';
import { codeText, sampleWindow, spread, windowFrom } from './common.js';

interface CaseResult {
  opsPerSec: number;
  ack: ReturnType<typeof summarize>;
  retries: number;
  submits: number;
  cpuUsPerOp: number;
  serverCores: number;
  generatorCores: number;
  /** The server's worst event-loop delay in the window, ms. */
  loopDelayMax: number;
  converged: boolean;
  errors: number;
  errorSamples: string[];
}

async function runCase(
  ctx: BenchContext,
  ep: Endpoint,
  text: string,
  writers: number,
  gens: Child[],
): Promise<CaseResult> {
  const doc = await ep.prepareDoc(text, writers, writers);
  const specs = doc.tokens.map((token) => ({ token, c: doc.c, d: doc.d }));
  const parts = spread(specs, gens.length);
  await Promise.all(gens.map((g, i) => g.call('writers.setup', { url: ep.url, writers: parts[i] })));
  const warm = ctx.quick ? 300 : 2000;
  const measure = ctx.quick ? 1500 : 10_000;
  const w = windowFrom(300, warm, measure);
  await Promise.all(gens.map((g) => g.call('writers.start', w)));
  const sample = await ctx.profiled(ep, `writers-${Math.round(text.length / 1024)}KB-x${writers}`, () =>
    sampleWindow(ep, gens, w),
  );
  const stops = await Promise.all(gens.map((g) => g.call('writers.stop')));
  const target = Math.max(...stops.flatMap((s) => Object.values(s.versions as Record<string, number>)));
  const synced = await Promise.all(
    gens.map((g) =>
      g.call('writers.sync', { targets: { [`${doc.c}/${doc.d}`]: target }, timeoutMs: 30_000 }),
    ),
  );
  const results = await Promise.all(gens.map((g) => g.call('writers.collect')));
  const acks = results.reduce((s, r) => s + r.acks, 0);
  const inserted = results.reduce((s, r) => s + r.inserted, 0);
  const latencies = results.flatMap((r) => r.latencies as number[]);
  const lengths = results.flatMap((r) => r.lengths as number[]);
  const versions = results.flatMap((r) => r.versions as number[]);
  const errors = results.reduce((s, r) => s + r.errorCount, 0);
  let converged = synced.every((s) => s.ok) && versions.every((v) => v === target) && errors === 0;
  // Every client's idea of the length, and the server's text, must account for every insert.
  converged &&= lengths.every((l) => l === text.length + inserted);
  if (ep.kind === 'gitpad') {
    const fresh = await gens[0]!.call('coldopen.open', {
      url: ep.url,
      token: doc.tokens[0],
      c: doc.c,
      d: doc.d,
    });
    converged &&= fresh.length === text.length + inserted && fresh.version === target;
  }
  await Promise.all(gens.map((g) => g.call('writers.close')));
  const server = statsDelta(sample.s0, sample.s1);
  return {
    opsPerSec: (acks / measure) * 1000,
    ack: summarize(latencies),
    retries: server.retries,
    submits: server.submits,
    cpuUsPerOp: server.cpuUs / Math.max(1, server.submits),
    serverCores: server.cores,
    generatorCores: generatorCores(sample.g0, sample.g1),
    loopDelayMax: sample.loop.max,
    converged,
    errors,
    errorSamples: results.flatMap((r) => r.errors as string[]).slice(0, 5),
  };
}

export const writersScenario: Scenario = {
  name: 'writers',
  title: 'closed-loop writers (1/10/50 clients on a 100 KB and a 1 MB file)',
  async run(ctx: BenchContext): Promise<Row[]> {
    const rows: Row[] = [];
    const gitpad = await ctx.gitpad();
    const floor = await ctx.floor();
    try {
      for (const [label, size] of [
        ['100 KB', 100 * 1024],
        ['1 MB', 1024 * 1024],
      ] as const) {
        const text = codeText(size);
        let oneWriterRate = 0;
        for (const n of [1, 10, 50]) {
          const gens = await ctx.generators(n === 1 ? 1 : 2);
          ctx.log(`writers ${label} ×${n}: gitpad`);
          const real = await runCase(ctx, gitpad, text, n, gens);
          ctx.log(`writers ${label} ×${n}: floor`);
          const fl = await runCase(ctx, floor, text, n, gens);
          if (n === 1) oneWriterRate = real.opsPerSec;
          const ratio = real.opsPerSec / fl.opsPerSec;
          const checks = [];
          if (n === 1) {
            checks.push({ target: '≥0.8×floor', pass: ratio >= 0.8 });
            checks.push({ target: '≤150 µs/op', pass: real.cpuUsPerOp <= 150 });
          }
          if (n === 50 && size === 100 * 1024) {
            checks.push({ target: '0 retries', pass: real.retries === 0 });
            checks.push({
              target: '≥0.8× one-writer rate',
              pass: real.opsPerSec >= 0.8 * oneWriterRate,
            });
          }
          rows.push({
            scenario: 'writers',
            case: `${label} ×${n}`,
            result: `${fmt(real.opsPerSec)} ops/s, ${fmt(real.retries)} retries (floor ${fmt(fl.opsPerSec)}/s at ${fmt(fl.cpuUsPerOp)} µs/op)`,
            p50: real.ack.p50,
            p99: real.ack.p99,
            floorRatio: ratio,
            cpuUsPerOp: real.cpuUsPerOp,
            converged: real.converged,
            checks,
            figures: { writers: n, fileChars: size, ...real, floor: fl, floorRatio: ratio, oneWriterRate },
            ...(real.errors ? { note: `${real.errors} errors: ${real.errorSamples.join('; ')}` } : {}),
          });
        }
      }
    } finally {
      await gitpad.stop();
      await floor.stop();
    }
    return rows;
  },
};
