/**
 * Trace replay: each sequential trace replayed by one ShareDB client, every txn one op submitted
 * and acknowledged before the next, against the real server and against the transport floor.
 * Concurrent trace: friendsforever's two agents as two clients (see load/trace.ts).
 */
import type { BenchContext, Row, Scenario } from '../context.js';
import type { ConcurrentResult, SequentialResult } from '../load/trace.js';
import { fmt } from '../stats.js';
import { statsDelta } from '../targets.js';
import { concurrentTraceFile, sequentialTraceFiles } from '../traces.js';

const QUICK_TXNS = 1000;

export const traceScenario: Scenario = {
  name: 'trace',
  title: 'trace replay (sequential traces, one client, closed loop)',
  async run(ctx: BenchContext): Promise<Row[]> {
    const traces = sequentialTraceFiles();
    if (traces.length === 0) throw new Error('no traces found (set GITPAD_TRACES_DIR)');
    const [gen] = await ctx.generators(1);
    const gitpad = await ctx.gitpad();
    const floor = await ctx.floor();
    const rows: Row[] = [];
    try {
      // Warm both servers (and the generator) up on a throwaway document, so the first trace is not
      // measured with cold JITs.
      for (const ep of [gitpad, floor]) {
        const doc = await ep.prepareDoc('', 1);
        await gen!.call('trace.sequential', {
          url: ep.url,
          token: doc.tokens[0],
          c: doc.c,
          d: doc.d,
          file: traces[0]!.file,
          limit: ctx.quick ? 300 : 1000,
          fetchCheck: false,
        });
      }
      for (const { name, file } of traces) {
        const limit = ctx.quick ? QUICK_TXNS : undefined;
        const runOn = async (ep: typeof gitpad | typeof floor) => {
          const doc = await ep.prepareDoc('', 1);
          const before = await ep.stats();
          const r = await ctx.profiled(ep, `trace-${name}`, () =>
            gen!.call<SequentialResult>('trace.sequential', {
              url: ep.url,
              token: doc.tokens[0],
              c: doc.c,
              d: doc.d,
              file,
              ...(limit ? { limit } : {}),
              fetchCheck: ep.kind === 'gitpad',
            }),
          );
          return { r, server: statsDelta(before, await ep.stats()) };
        };
        ctx.log(`trace ${name}: gitpad`);
        const real = await runOn(gitpad);
        ctx.log(`trace ${name}: floor`);
        const fl = await runOn(floor);
        const ratio = real.r.editsPerSec / fl.r.editsPerSec;
        const cpuUsPerOp = real.server.cpuUs / real.r.edits;
        rows.push({
          scenario: 'trace',
          case: name,
          result: `${fmt(real.r.editsPerSec)} edits/s (${fmt(real.r.edits)} edits; floor ${fmt(fl.r.editsPerSec)}/s at ${fmt(fl.server.cpuUs / fl.r.edits)} µs/op)`,
          p50: real.r.ack.p50,
          p99: real.r.ack.p99,
          floorRatio: ratio,
          cpuUsPerOp,
          converged: real.r.textOk && real.r.fetchedOk === true,
          checks: [{ target: '≥0.8×floor', pass: ratio >= 0.8 }],
          figures: {
            edits: real.r.edits,
            editsPerSec: real.r.editsPerSec,
            ack: real.r.ack,
            floorEditsPerSec: fl.r.editsPerSec,
            floorAck: fl.r.ack,
            floorRatio: ratio,
            cpuUsPerOp,
            floorCpuUsPerOp: fl.server.cpuUs / fl.r.edits,
            serverCores: real.server.cores,
            textEqualsEndContent: real.r.textOk,
            fetchedEqualsEndContent: real.r.fetchedOk,
            finalLength: real.r.finalLength,
            partial: limit !== undefined,
          },
          ...(limit ? { note: `first ${limit} txns (quick)` } : {}),
        });
      }
    } finally {
      await gitpad.stop();
      await floor.stop();
    }
    return rows;
  },
};

export const concurrentScenario: Scenario = {
  name: 'concurrent',
  title: 'concurrent trace (friendsforever, two agents as two clients)',
  async run(ctx: BenchContext): Promise<Row[]> {
    const [gen] = await ctx.generators(1);
    const gitpad = await ctx.gitpad();
    try {
      const doc = await gitpad.prepareDoc('', 2);
      const before = await gitpad.stats();
      const r = await ctx.profiled(gitpad, 'concurrent', () =>
        gen!.call<ConcurrentResult>('trace.concurrent', {
          url: gitpad.url,
          tokens: doc.tokens,
          c: doc.c,
          d: doc.d,
          file: concurrentTraceFile(),
        }),
      );
      const server = statsDelta(before, await gitpad.stats());
      return [
        {
          scenario: 'concurrent',
          case: 'friendsforever, 2 agents',
          result: `${fmt(r.txnsPerSec)} txns/s (${fmt(r.txns)} txns), text ${r.textOk ? '== endContent' : '!= endContent'}`,
          p50: r.ack.p50,
          p99: r.ack.p99,
          cpuUsPerOp: server.cpuUs / r.txns,
          converged: r.converged && r.textOk,
          checks: [{ target: 'text == endContent', pass: r.textOk }],
          figures: { ...r, cpuUsPerOp: server.cpuUs / r.txns, serverRetries: server.retries },
          note: 'ack latency includes waiting behind the agent’s own queued txns (one op in flight)',
        },
      ];
    } finally {
      await gitpad.stop();
    }
  },
};
