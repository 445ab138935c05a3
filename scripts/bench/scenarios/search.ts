/**
 * Search across files (issue 15): `GET /api/sessions/:id/search` over a 1,000-file session
 * (quick: 100 files) of source-like files, 1–4 KB each, all live documents. Times a rare plain
 * word (a few hits), a whole-word search, and a regex that matches every line (stopped at the
 * result cap, `truncated`), each from request to parsed answer.
 */
import { now } from '../clients.js';
import type { BenchContext, Row, Scenario } from '../context.js';
import { api, createFile, createSession } from '../rest.js';
import { fmt, summarize } from '../stats.js';
import { codeText } from './common.js';

export const searchScenario: Scenario = {
  name: 'search',
  title: 'search across the live text of a 1,000-file session',
  async run(ctx: BenchContext): Promise<Row[]> {
    const files = ctx.quick ? 100 : 1000;
    const repeats = ctx.quick ? 3 : 10;
    const gitpad = await ctx.gitpad();
    const rows: Row[] = [];
    try {
      const [owner] = await gitpad.ensureUsers(1);
      ctx.log(`search: creating a ${files}-file session`);
      const sessionId = await createSession(gitpad.url, owner!, [], 'search me');
      let chars = 0;
      for (let i = 0; i < files; i += 8) {
        await Promise.all(
          Array.from({ length: Math.min(8, files - i) }, async (_, j) => {
            const n = i + j;
            const text = codeText(1024 + ((n * 977) % 3072));
            chars += text.length;
            await createFile(gitpad.url, owner!, sessionId, `pkg${n % 10}/module${n}.ts`, text);
          }),
        );
      }
      const cases: Array<{ label: string; query: Record<string, string> }> = [
        { label: 'plain text, one word', query: { q: 'handler42(' } },
        { label: 'whole word, case-sensitive', query: { q: 'input', word: '1', case: '1' } },
        { label: 'regex on every line (result cap)', query: { q: 'handler\\d+\\(', regex: '1' } },
      ];
      for (const [index, c] of cases.entries()) {
        const times: number[] = [];
        let hits = 0;
        let truncated = false;
        await ctx.profiled(gitpad, `search-${index + 1}`, async () => {
          for (let i = 0; i < repeats; i++) {
            const t = now();
            const r = await api(
              gitpad.url,
              'GET',
              `/api/sessions/${sessionId}/search?${new URLSearchParams(c.query)}`,
              { token: owner!.token },
            );
            times.push(now() - t);
            hits = r.results.length;
            truncated = r.truncated;
          }
        });
        const s = summarize(times);
        rows.push({
          scenario: 'search',
          case: `${files} files, ${c.label}`,
          result: `${fmt(s.p50)} ms median, ${hits} results${truncated ? ' (truncated)' : ''}`,
          p50: s.p50,
          p99: s.max,
          converged: null,
          checks: [{ target: '≤500 ms', pass: s.p50 <= 500 }],
          figures: { files, chars, repeats, hits, truncated, times, ...s },
          note: 'p99 column is the slowest request',
        });
      }
    } finally {
      await gitpad.stop();
    }
    return rows;
  },
};
