/**
 * Cold open: a 1 MB file with 100,000 ops of history (quick: 5,000) and, for comparison, a 1 MB
 * file with none. The server is restarted (a fresh process on the same data) before every open,
 * and the time is from the client's connect to the full text in its ShareDB document.
 */
import type { BenchContext, Row, Scenario } from '../context.js';
import { fmt, summarize } from '../stats.js';
import { codeText } from './common.js';

const MB = 1024 * 1024;

export const coldOpenScenario: Scenario = {
  name: 'cold-open',
  title: 'cold open of a 1 MB file, with and without a long history, on a fresh server',
  async run(ctx: BenchContext): Promise<Row[]> {
    const history = ctx.quick ? 5000 : 100_000;
    const repeats = ctx.quick ? 2 : 5;
    const [gen] = await ctx.generators(1);
    let gitpad = await ctx.gitpad({ keepDirs: true });
    const { dataDir, reposDir } = gitpad;
    const rows: Row[] = [];
    try {
      // The history file starts short by `history` chars: each op inserts one, ending at 1 MB.
      const withHistory = await gitpad.prepareDoc(codeText(MB - history), 1);
      const noHistory = await gitpad.prepareDoc(codeText(MB), 1);
      ctx.log(`cold-open: seeding ${history} ops`);
      const seeded = await gen!.call('seed.ops', {
        url: gitpad.url,
        token: withHistory.tokens[0],
        c: withHistory.c,
        d: withHistory.d,
        v: 1,
        length: MB - history,
        count: history,
      });
      ctx.log(
        `cold-open: seeded in ${fmt(seeded.ms / 1000)} s (${fmt((seeded.ops / seeded.ms) * 1000)} ops/s)`,
      );
      for (const [label, doc, ops] of [
        [`1 MB, ${fmt(history)} ops of history`, withHistory, history],
        ['1 MB, no history', noHistory, 0],
      ] as const) {
        const times: number[] = [];
        let lengthOk = true;
        for (let i = 0; i < repeats; i++) {
          await gitpad.stop();
          gitpad = await ctx.gitpad({ dataDir, reposDir, keepDirs: true });
          const open = () =>
            gen!.call('coldopen.open', { url: gitpad.url, token: doc.tokens[0], c: doc.c, d: doc.d });
          const r = i === 0 ? await ctx.profiled(gitpad, `cold-open-${ops}`, open) : await open();
          times.push(r.ms);
          lengthOk &&= r.length === MB && r.version === 1 + ops;
        }
        const s = summarize(times);
        rows.push({
          scenario: 'cold-open',
          case: label,
          result: `${fmt(s.p50)} ms median of ${repeats} fresh-server opens (max ${fmt(s.max)} ms)`,
          p50: s.p50,
          p99: s.max,
          converged: lengthOk,
          checks: [{ target: '≤150 ms', pass: s.p50 <= 150 }],
          figures: {
            historyOps: ops,
            opens: times,
            ...s,
            seedOpsPerSec: ops ? (seeded.ops / seeded.ms) * 1000 : null,
          },
          note: ops ? 'p99 column is the slowest open' : undefined,
        });
      }
    } finally {
      await gitpad.stop();
      const fs = await import('node:fs');
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(reposDir, { recursive: true, force: true });
    }
    return rows;
  },
};
