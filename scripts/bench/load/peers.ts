/**
 * The peers bench's single-writer work (issue 17), run inside a load generator process against any
 * system (peers/text-client.ts): a writer and an observer, two full clients of one document.
 *
 * - `peers.writer`: closed loop. `visible`: the next edit goes out when the observer has applied
 *   the previous one (every system; the Yjs peers acknowledge nothing per edit, or, Hocuspocus,
 *   only that it applied the update). `acked`: the next edit goes out on the acknowledgement
 *   (Gitpad, stock ShareDB, Hocuspocus's SyncStatus).
 * - `peers.visibility`: the writer edits at a fixed rate; the observer's send→seen time per edit.
 * - `peers.trace`: a sequential trace replayed txn by txn, each txn one edit, closed on the
 *   observer; edits/s until the observer holds the final text.
 *
 * Every job ends with the convergence check: writer, observer and a fresh client hold the same
 * text, and it is the text expected (initial text plus every insert, or the trace's).
 */
import { now } from '../clients.js';
import { fetchTextOf, type Mark, openTextClient, type TextClient } from '../peers/text-client.js';
import { type Summary, summarize } from '../stats.js';
import { loadTrace, type Patch, replayLocally, type SequentialTrace } from '../traces.js';

export interface PeerJob {
  url: string;
  token: string;
  c: string;
  d: string;
}

export interface Window {
  at: number;
  from: number;
  to: number;
}

export interface PeerConvergence {
  /** Writer, observer and a fresh client hold the same text, and it is the expected one. */
  converged: boolean;
  detail: string;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function randomInsert(length: number): Patch {
  const n = 1 + Math.floor(Math.random() * 4);
  let word = '';
  for (let i = 0; i < n; i++) word += LETTERS[Math.floor(Math.random() * 26)];
  return [Math.floor(Math.random() * (length + 1)), 0, word];
}

const sleepUntil = (t: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, t - now())));

/**
 * Resolves once `observer` has applied the edit `mark` names, or rejects after `timeoutMs`. Any
 * `onRemote` listener already set keeps being called.
 */
function seen(observer: TextClient, mark: Mark, timeoutMs = 30_000): Promise<void> {
  if (observer.hasSeen(mark)) return Promise.resolve();
  const previous = observer.onRemote;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      observer.onRemote = previous;
      reject(
        new Error(
          `observer did not apply edit ${mark.count} within ${timeoutMs} ms (${observer.remoteEdits} remote edits)`,
        ),
      );
    }, timeoutMs);
    observer.onRemote = (at) => {
      previous?.(at);
      if (!observer.hasSeen(mark)) return;
      clearTimeout(timer);
      observer.onRemote = previous;
      resolve();
    };
  });
}

async function pair(job: PeerJob): Promise<{ writer: TextClient; observer: TextClient }> {
  const writer = await openTextClient(job.url, job.token, job.c, job.d);
  const observer = await openTextClient(job.url, job.token, job.c, job.d);
  return { writer, observer };
}

/** Waits for every edit to reach the observer (and be acknowledged), then compares the texts. */
async function converge(
  job: PeerJob,
  writer: TextClient,
  observer: TextClient,
  pending: Promise<unknown>[],
  expected: string | ((text: string) => boolean),
): Promise<PeerConvergence> {
  try {
    await seen(observer, writer.lastMark());
    await Promise.all(pending);
  } catch (err) {
    return { converged: false, detail: (err as Error).message };
  }
  const fresh = await fetchTextOf(job.url, job.token, job.c, job.d);
  const text = writer.text();
  const expectedOk = typeof expected === 'string' ? text === expected : expected(text);
  const converged = text === observer.text() && text === fresh && expectedOk;
  return {
    converged,
    detail: converged
      ? `${text.length} chars`
      : `writer ${text.length}, observer ${observer.text().length}, fresh ${fresh.length} chars, expected ${expectedOk}`,
  };
}

export interface WriterResult extends PeerConvergence {
  /** Edits completed (seen, or acknowledged) in the window, per second. */
  opsPerSec: number;
  latency: Summary;
  edits: number;
  errors: number;
}

export const peerHandlers = {
  async 'peers.writer'(job: PeerJob & { loop: 'visible' | 'acked'; window: Window }): Promise<WriterResult> {
    const { writer, observer } = await pair(job);
    const initial = writer.length();
    const w = job.window;
    const latencies: number[] = [];
    let inWindow = 0;
    let sent = 0;
    let inserted = 0;
    let errors = 0;
    const pending: Promise<unknown>[] = [];
    try {
      await sleepUntil(w.at);
      while (now() < w.to) {
        const patch = randomInsert(writer.length());
        const t = now();
        const edit = writer.edit([patch]);
        sent++;
        inserted += patch[2].length;
        if (job.loop === 'acked') await edit.catch(() => void errors++);
        else {
          pending.push(edit.catch(() => void errors++));
          await seen(observer, writer.lastMark());
        }
        const done = now();
        if (t >= w.from && done <= w.to) {
          inWindow++;
          latencies.push(done - t);
        }
      }
      const check = await converge(
        job,
        writer,
        observer,
        pending,
        (text) => text.length === initial + inserted,
      );
      return {
        ...check,
        converged: check.converged && errors === 0,
        opsPerSec: (inWindow / (w.to - w.from)) * 1000,
        latency: summarize(latencies),
        edits: sent,
        errors,
      };
    } finally {
      writer.close();
      observer.close();
    }
  },

  async 'peers.visibility'(job: PeerJob & { rate: number; window: Window }) {
    const { writer, observer } = await pair(job);
    const initial = writer.length();
    const w = job.window;
    const sentAt: number[] = [];
    const marks: Mark[] = [];
    const seenAt: number[] = [];
    let inserted = 0;
    let errors = 0;
    const pending: Promise<unknown>[] = [];
    // Each remote update may carry several of the writer's edits (a merged Yjs relay).
    observer.onRemote = (at) => {
      while (seenAt.length < marks.length && observer.hasSeen(marks[seenAt.length]!)) seenAt.push(at);
    };
    try {
      const interval = 1000 / job.rate;
      for (let next = w.at; next < w.to; next += interval) {
        await sleepUntil(next);
        const patch = randomInsert(writer.length());
        sentAt.push(now());
        inserted += patch[2].length;
        pending.push(writer.edit([patch]).catch(() => void errors++));
        marks.push(writer.lastMark());
      }
      const check = await converge(
        job,
        writer,
        observer,
        pending,
        (text) => text.length === initial + inserted,
      );
      const latencies: number[] = [];
      sentAt.forEach((t, i) => {
        if (t >= w.from && seenAt[i] !== undefined) latencies.push(seenAt[i]! - t);
      });
      return {
        ...check,
        converged: check.converged && errors === 0 && seenAt.length === sentAt.length,
        latency: summarize(latencies),
        edits: sentAt.length,
        errors,
      };
    } finally {
      writer.close();
      observer.close();
    }
  },

  async 'peers.trace'(job: PeerJob & { file: string; limit?: number }) {
    const trace = loadTrace<SequentialTrace>(job.file);
    const count = Math.min(job.limit ?? trace.txns.length, trace.txns.length);
    const expected = count === trace.txns.length ? trace.endContent : replayLocally(trace, count);
    const { writer, observer } = await pair(job);
    const pending: Promise<unknown>[] = [];
    let errors = 0;
    const latencies = new Float64Array(count);
    try {
      const start = now();
      let sent = 0;
      for (let i = 0; i < count; i++) {
        // A txn that changes nothing makes no Yjs update at all: no system is sent one.
        const patches = trace.txns[i]!.patches.filter(([, del, ins]) => del > 0 || ins.length > 0);
        if (patches.length === 0) continue;
        const t = now();
        pending.push(writer.edit(patches).catch(() => void errors++));
        sent++;
        await seen(observer, writer.lastMark());
        latencies[sent - 1] = now() - t;
      }
      const ms = now() - start;
      const check = await converge(job, writer, observer, pending, expected);
      return {
        ...check,
        converged: check.converged && errors === 0,
        edits: sent,
        ms,
        editsPerSec: (sent / ms) * 1000,
        latency: summarize(latencies.subarray(0, sent)),
        errors,
      };
    } finally {
      writer.close();
      observer.close();
    }
  },
};
