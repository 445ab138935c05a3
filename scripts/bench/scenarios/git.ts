/**
 * Git: "Save version" (POST /api/sessions/:id/versions) of a 1,000-file session with 10 files
 * changed, and `git clone` with the real git binary of a session with 1,000 commits, over the
 * LAN clone URL. The commit worker's own timers are set to an hour so only the saves commit.
 * Quick mode: 100 files and 30 commits.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { now } from '../clients.js';
import type { BenchContext, Row, Scenario } from '../context.js';
import { api, createFile, createSession } from '../rest.js';
import { fmt, summarize } from '../stats.js';
import { codeText } from './common.js';

const run = promisify(execFile);
const HOUR = String(3_600_000);

export const gitScenario: Scenario = {
  name: 'git',
  title: 'git: save a version of a 1,000-file session; clone a 1,000-commit session',
  async run(ctx: BenchContext): Promise<Row[]> {
    const files = ctx.quick ? 100 : 1000;
    const commits = ctx.quick ? 30 : 1000;
    const rounds = ctx.quick ? 2 : 5;
    const [gen] = await ctx.generators(1);
    const gitpad = await ctx.gitpad({ env: { COMMIT_IDLE_MS: HOUR, COMMIT_MAX_MS: HOUR } });
    const rows: Row[] = [];
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-bench-clone-'));
    try {
      const [owner] = await gitpad.ensureUsers(1);
      // A 1,000-file session: ten folders of source-like files, 1–4 KB each.
      ctx.log(`git: creating a ${files}-file session`);
      const sessionId = await createSession(gitpad.url, owner!, [], 'big project');
      const made: Array<{ d: string; c: string }> = [];
      for (let i = 0; i < files; i += 8) {
        made.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(8, files - i) }, async (_, j) => {
              const n = i + j;
              const f = await createFile(
                gitpad.url,
                owner!,
                sessionId,
                `pkg${n % 10}/module${n}.ts`,
                codeText(1024 + ((n * 977) % 3072)),
              );
              return { c: f.doc.collection, d: f.doc.id };
            }),
          )),
        );
      }
      const save = async (message: string) => {
        const t = now();
        const r = await api(gitpad.url, 'POST', `/api/sessions/${sessionId}/versions`, {
          token: owner!.token,
          body: { message },
        });
        if (!r.sha || r.unchanged) throw new Error(`save made no commit: ${JSON.stringify(r)}`);
        return now() - t;
      };
      const firstMs = await save('initial import');
      const times: number[] = [];
      await ctx.profiled(gitpad, 'git-save', async () => {
        for (let round = 0; round < rounds; round++) {
          const changed = made.slice(round * 10, round * 10 + 10);
          await gen!.call('edit.files', {
            url: gitpad.url,
            token: owner!.token,
            c: changed[0]!.c,
            docs: changed.map((f) => f.d),
            line: `// round ${round}\n`,
          });
          times.push(await save(`round ${round}`));
        }
      });
      const s = summarize(times);
      rows.push({
        scenario: 'git',
        case: `save: ${files} files, 10 changed`,
        result: `${fmt(s.p50)} ms median of ${rounds} saves (first save of all ${files} files: ${fmt(firstMs)} ms)`,
        p50: s.p50,
        p99: s.max,
        converged: null,
        checks: files >= 1000 ? [{ target: '≤300 ms', pass: s.p50 <= 300 }] : [],
        figures: { files, saves: times, ...s, firstSaveMs: firstMs },
        ...(files < 1000 ? { note: `${files} files in quick mode; the target is for 1,000` } : {}),
      });

      // A session with 1,000 commits, then clones of it.
      ctx.log(`git: making ${commits} commits`);
      const histSession = await createSession(gitpad.url, owner!, [], 'long history');
      const file = await createFile(gitpad.url, owner!, histSession, 'log.txt', 'start\n');
      const loop = await gen!.call('edit.commitLoop', {
        url: gitpad.url,
        token: owner!.token,
        sessionId: histSession,
        c: file.doc.collection,
        d: file.doc.id,
        count: commits,
      });
      const url = new URL(`/git/${histSession}.git`, gitpad.url);
      url.username = owner!.username;
      url.password = owner!.password;
      const clones: number[] = [];
      let count = 0;
      await ctx.profiled(gitpad, 'git-clone', async () => {
        for (let i = 0; i < 3; i++) {
          const dir = path.join(tmp, `clone${i}`);
          const t = now();
          await run('git', ['clone', '--quiet', url.href, dir], {
            env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
          });
          clones.push(now() - t);
          count = Number((await run('git', ['-C', dir, 'rev-list', '--count', 'HEAD'])).stdout.trim());
        }
      });
      const c = summarize(clones);
      const saveStats = summarize(loop.saves);
      rows.push({
        scenario: 'git',
        case: `clone: ${commits} commits`,
        result: `${fmt(c.p50)} ms median of 3 clones (${count} commits cloned); saves p50 ${fmt(saveStats.p50)} ms`,
        p50: c.p50,
        p99: c.max,
        converged: count >= commits,
        checks: commits >= 1000 ? [{ target: '≤1 s', pass: c.p50 <= 1000 }] : [],
        figures: { commits, clonedCommits: count, clones, ...c, saveDuringHistory: saveStats },
        ...(commits < 1000 ? { note: `${commits} commits in quick mode; the target is for 1,000` } : {}),
      });
    } finally {
      await gitpad.stop();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    return rows;
  },
};
