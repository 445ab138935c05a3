/**
 * Memory: (1) the server's memory per idle connected client — 1,000 clients (quick: 100), each
 * connected, joined to a session and subscribed to one of its files, measured after a full GC
 * in the server; (2) a long crowd run (50 typists for 10 minutes; quick: 12 s) with the server's
 * heap sampled after a full GC every 30 s: the heap after the first fifth of the run against the
 * end shows leaks of ShareDB docs, agents or listeners.
 */
import type { BenchContext, Row, Scenario } from '../context.js';
import { fmt, fmtBytes, sleep } from '../stats.js';
import { spread } from './common.js';
import { runCrowd } from './crowd.js';

const KB = 1024;
const MB = 1024 * 1024;
/** Heap growth allowed over the long run after warm-up: the document itself grows by ~0.4 MB. */
const GROWTH_LIMIT = 8 * MB;

export const memoryScenario: Scenario = {
  name: 'memory',
  title: 'memory: idle clients; server heap over a long crowd run',
  async run(ctx: BenchContext): Promise<Row[]> {
    const rows: Row[] = [];
    const clients = ctx.quick ? 100 : 1000;
    {
      const gitpad = await ctx.gitpad();
      try {
        const users = 20;
        const doc = await gitpad.prepareDoc('x = 1\n'.repeat(1000), users);
        const gens = await ctx.generators(2);
        // Warm the server's code paths with a few clients first, so the baseline is not a cold heap.
        await gens[0]!.call('idle.connect', {
          url: gitpad.url,
          token: doc.tokens[0],
          c: doc.c,
          d: doc.d,
          sessionId: doc.sessionId,
          count: 5,
        });
        await sleep(500);
        const before = await gitpad.gcStats();
        const perToken = spread(
          Array.from({ length: clients }, (_, i) => doc.tokens[i % users]!),
          gens.length,
        );
        ctx.log(`memory: connecting ${clients} idle clients`);
        await Promise.all(
          gens.map(async (g, gi) => {
            // Clients of one generator use its share of the users, a batch per user.
            const tokens = perToken[gi]!;
            const byToken = new Map<string, number>();
            for (const t of tokens) byToken.set(t, (byToken.get(t) ?? 0) + 1);
            for (const [token, count] of byToken) {
              await g.call('idle.connect', {
                url: gitpad.url,
                token,
                c: doc.c,
                d: doc.d,
                sessionId: doc.sessionId,
                count,
              });
            }
          }),
        );
        await sleep(2000);
        const after = await gitpad.gcStats();
        const connected = (await Promise.all(gens.map((g) => g.call('idle.count')))).reduce(
          (s, r) => s + r.connected,
          0,
        );
        await Promise.all(gens.map((g) => g.call('idle.close')));
        const rssPer = (after.rss - before.rss) / clients;
        const heapPer = (after.heapUsed + after.external - before.heapUsed - before.external) / clients;
        rows.push({
          scenario: 'memory',
          case: `${clients} idle clients`,
          result: `${fmtBytes(rssPer)} RSS per client (heap+external ${fmtBytes(heapPer)}); server RSS ${fmtBytes(before.rss)} → ${fmtBytes(after.rss)}`,
          converged: connected === clients + 5,
          checks: [{ target: '≤64 KB/client', pass: rssPer <= 64 * KB }],
          figures: { clients, connected, before, after, rssPerClient: rssPer, heapPerClient: heapPer },
          note: 'connected, joined to the session and subscribed to a file; measured after a full GC in the server',
        });
      } finally {
        await gitpad.stop();
      }
    }
    {
      const gitpad = await ctx.gitpad();
      try {
        const measureMs = ctx.quick ? 12_000 : 600_000;
        ctx.log(`memory: long crowd run of ${measureMs / 1000} s`);
        const r = await runCrowd(ctx, gitpad, {
          typists: 50,
          warmMs: ctx.quick ? 1000 : 10_000,
          measureMs,
          sampleEveryMs: ctx.quick ? 4000 : 30_000,
        });
        const samples = r.samples ?? [];
        const from = samples.find(([t]) => t >= (measureMs / 1000) * 0.2) ?? samples[0];
        const last = samples[samples.length - 1];
        const growth = from && last ? last[2] - from[2] : Number.NaN;
        const rssGrowth = from && last ? last[1] - from[1] : Number.NaN;
        rows.push({
          scenario: 'memory',
          case: `crowd 50 for ${measureMs >= 60_000 ? `${fmt(measureMs / 60_000)} min` : `${measureMs / 1000} s`}`,
          result: `heap ${fmtBytes(from?.[2] ?? 0)} → ${fmtBytes(last?.[2] ?? 0)} (${growth >= 0 ? '+' : ''}${fmtBytes(growth)}), RSS ${fmtBytes(from?.[1] ?? 0)} → ${fmtBytes(last?.[1] ?? 0)}`,
          p50: r.visibility.p50,
          p99: r.visibility.p99,
          cpuUsPerOp: r.cpuUsPerDelivered,
          converged: r.converged && r.undelivered === 0,
          checks: [
            {
              target: `no growth (heap ≤ +${fmtBytes(GROWTH_LIMIT)} after warm-up)`,
              pass: growth <= GROWTH_LIMIT,
            },
          ],
          figures: { ...r, heapGrowth: growth, rssGrowth },
          note: 'heap after a full GC, from 20% of the run to its end (the server GCs at each sample, so latency here is not the crowd figure)',
        });
      } finally {
        await gitpad.stop();
      }
    }
    return rows;
  },
};
