/**
 * Many sessions: S sessions with three typists each (three users, each a member of every
 * session), every typist joined to its session and typing ~6 chars/s, with the commit worker on.
 * Ops/s, ack and remote visibility latency, server memory, and commit lag: after the typing
 * stops, the time from each session's last acknowledged edit to its `session:event` version
 * notice (the commit). The commit timers are shortened (idle 2 s, at least every 15 s) so that
 * the window sees commits under load, and the lag is mostly the idle timer plus the commit
 * worker's queue.
 */
import { now } from '../clients.js';
import type { BenchContext, Row, Scenario } from '../context.js';
import { generatorCores } from '../context.js';
import { createFile, createSession } from '../rest.js';
import { fmt, fmtBytes, sleep, summarize } from '../stats.js';
import { statsDelta } from '../targets.js';
import { sampleWindow, windowFrom } from './common.js';
import { CHARS_PER_SECOND } from './crowd.js';

const COMMIT_IDLE_MS = 2000;
const COMMIT_MAX_MS = 15_000;
const TYPISTS = 3;

export const sessionsScenario: Scenario = {
  name: 'sessions',
  title: `many sessions (S sessions × ${TYPISTS} typists, commit worker on)`,
  async run(ctx: BenchContext): Promise<Row[]> {
    const sessions = ctx.quick ? 20 : 200;
    const warmMs = ctx.quick ? 1000 : 5000;
    const measureMs = ctx.quick ? 4000 : 60_000;
    const gitpad = await ctx.gitpad({
      env: { COMMIT_IDLE_MS: String(COMMIT_IDLE_MS), COMMIT_MAX_MS: String(COMMIT_MAX_MS) },
    });
    try {
      const users = await gitpad.ensureUsers(TYPISTS);
      const base = 'def handler(event):\n    return event\n';
      ctx.log(`sessions: creating ${sessions} sessions`);
      const made: Array<{ sessionId: string; c: string; d: string }> = [];
      for (let i = 0; i < sessions; i += 10) {
        made.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(10, sessions - i) }, async (_, j) => {
              const sessionId = await createSession(gitpad.url, users[0]!, users, `load ${i + j}`);
              const f = await createFile(gitpad.url, users[0]!, sessionId, 'main.py', base.repeat(40));
              return { sessionId, c: f.doc.collection, d: f.doc.id };
            }),
          )),
        );
      }
      const gens = await ctx.generators(ctx.quick ? 1 : 3);
      // All typists of a session in one process, so that process sees the session's whole story.
      const parts = gens.map(() => [] as unknown[]);
      made.forEach((s, i) => {
        for (let t = 0; t < TYPISTS; t++) {
          parts[i % gens.length]!.push({
            token: users[t]!.token,
            c: s.c,
            d: s.d,
            caret: (t + 1) * 200,
            sessionId: s.sessionId,
            watchCommits: t === 0,
          });
        }
      });
      ctx.log(`sessions: connecting ${sessions * TYPISTS} typists`);
      await Promise.all(
        gens.map((g, i) =>
          g.call('typists.setup', { url: gitpad.url, typists: parts[i], charsPerSecond: CHARS_PER_SECOND }),
        ),
      );
      const w = windowFrom(500, warmMs, measureMs);
      await Promise.all(gens.map((g) => g.call('typists.start', w)));
      const sample = await ctx.profiled(gitpad, 'sessions', () => sampleWindow(gitpad, gens, w));
      const stops = await Promise.all(gens.map((g) => g.call('typists.stop')));
      const stoppedAt = now();
      const targets: Record<string, number> = {};
      for (const s of stops) {
        for (const [k, v] of Object.entries(s.versions as Record<string, number>))
          targets[k] = Math.max(targets[k] ?? 0, v);
      }
      const synced = await Promise.all(
        gens.map((g) => g.call('typists.sync', { targets, timeoutMs: 60_000 })),
      );

      // Wait for every session's final commit (idle timer + queue), up to a minute.
      let results = await Promise.all(gens.map((g) => g.call('typists.collect')));
      const lagOf = (rs: typeof results) => {
        const lags: number[] = [];
        let missing = 0;
        for (const r of rs) {
          const commits = new Map(r.commits as Array<[string, number[]]>);
          for (const [sessionId, last] of r.lastAck as Array<[string, number]>) {
            const after = (commits.get(sessionId) ?? []).find((t) => t >= last);
            if (after === undefined) missing++;
            else lags.push(after - last);
          }
        }
        return { lags, missing };
      };
      await sleep(COMMIT_IDLE_MS);
      for (let i = 0; i < 60 && lagOf(results).missing > 0; i++) {
        await sleep(1000);
        results = await Promise.all(gens.map((g) => g.call('typists.collect')));
      }
      const { lags, missing } = lagOf(results);
      const commitsInWindow = results.reduce(
        (s, r) =>
          s +
          (r.commits as Array<[string, number[]]>).reduce(
            (a, [, times]) => a + times.filter((t) => t >= w.from && t <= w.to).length,
            0,
          ),
        0,
      );
      await Promise.all(gens.map((g) => g.call('typists.close')));

      const seen = new Map<string, [number, number]>();
      for (const r of results) {
        for (const [key, t, count] of r.received as Array<[string, number, number]>)
          seen.set(key, [t, count]);
      }
      const submitted = results.flatMap((r) => r.submitted as Array<[string, number, number, number]>);
      const visibility: number[] = [];
      const acks: number[] = [];
      let undelivered = 0;
      for (const [key, sentAt, ackAt] of submitted) {
        acks.push(ackAt - sentAt);
        const s = seen.get(key);
        if (!s || s[1] < TYPISTS - 1) undelivered++;
        else visibility.push(s[0] - sentAt);
      }
      const versionsOk = results.every((r) =>
        (r.versions as Array<[string, number, number]>).every(([k, v]) => v === targets[k]),
      );
      const errors = results.reduce((s, r) => s + r.errorCount, 0);
      const converged = synced.every((s) => s.ok) && versionsOk && undelivered === 0 && errors === 0;
      const server = statsDelta(sample.s0, sample.s1);
      const opsPerSec = (submitted.length / measureMs) * 1000;
      const lag = summarize(lags);
      const ack = summarize(acks);
      const vis = summarize(visibility);
      return [
        {
          scenario: 'sessions',
          case: `${sessions}×${TYPISTS} typists`,
          result:
            `${fmt(opsPerSec)} ops/s; visible p50/p99 ${fmt(vis.p50)}/${fmt(vis.p99)} ms; commit lag p50/max ` +
            `${fmt(lag.p50 / 1000)}/${fmt(lag.max / 1000)} s; ${commitsInWindow} commits in window; RSS ${fmtBytes(sample.peakRss)}; worst loop stall ${fmt(sample.loop.max)} ms`,
          p50: ack.p50,
          p99: ack.p99,
          cpuUsPerOp: server.cpuUs / Math.max(1, submitted.length),
          converged,
          checks: [
            { target: '≤400 MB RSS', pass: sample.peakRss <= 400 * 1024 * 1024 },
            { target: 'every session committed', pass: missing === 0 },
          ],
          figures: {
            sessions,
            typistsPerSession: TYPISTS,
            commitIdleMs: COMMIT_IDLE_MS,
            commitMaxMs: COMMIT_MAX_MS,
            opsPerSec,
            ack,
            visibility: vis,
            commitLag: lag,
            sessionsWithoutFinalCommit: missing,
            secondsToLastCommit: lags.length ? (Math.max(...lags) + 0) / 1000 : null,
            stopToCheckMs: now() - stoppedAt,
            commitsInWindow,
            peakRss: sample.peakRss,
            loopDelayMax: sample.loop.max,
            serverCores: server.cores,
            generatorCores: generatorCores(sample.g0, sample.g1),
            cpuUsPerOp: server.cpuUs / Math.max(1, submitted.length),
            undelivered,
            errors,
          },
          note: `p50/p99 columns are ack latency; commit timers shortened to idle ${COMMIT_IDLE_MS / 1000} s / max ${COMMIT_MAX_MS / 1000} s, so lag includes the ${COMMIT_IDLE_MS / 1000} s idle wait`,
        },
      ];
    } finally {
      await gitpad.stop();
    }
  },
};
