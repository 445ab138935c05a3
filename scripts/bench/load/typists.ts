/**
 * Typists: lightweight clients that each type ~N characters a second at their own caret (one
 * insert per keystroke; keystrokes typed while an op is in flight go out together after its
 * acknowledgement, as ShareDB's client composes them). Used by the typing crowd (one file), the
 * many-sessions scenario (three typists per file, with session presence and commit events) and
 * the long memory run.
 *
 * Latency bookkeeping, per generator process: each op's send time is keyed by `src:seq` at the
 * submitter; each receiving client records when it applied that op (in version order), and the
 * process keeps the latest such time and how many of its clients applied it. The runner merges
 * processes: remote visibility latency = last application anywhere − send time.
 */
import type { Socket } from 'socket.io-client';
import { now } from '../clients.js';
import { fetchTextOf, openTextClient, type TextClient } from '../peers/text-client.js';
import {
  docKey,
  type FleetDoc,
  type FleetLink,
  fleetClient,
  inBatches,
  maxVersions,
  processCpu,
  syncDocs,
} from './fleet.js';

export interface TypistSpec {
  token: string;
  c: string;
  d: string;
  /** Where this typist's caret starts. */
  caret: number;
  /** Join this session (presence), as a browser tab does. */
  sessionId?: string;
  /** Record `session:event` version notices (commit lag). */
  watchCommits?: boolean;
}

export interface TypistsSetup {
  url: string;
  typists: TypistSpec[];
  charsPerSecond: number;
  /** A full client that applies every op, to check convergence at the end. */
  observer?: { token: string; c: string; d: string };
}

interface Typist {
  link: FleetLink;
  doc: FleetDoc;
  caret: number;
  pending: string;
  phrase: string;
  next: number;
  typed: number;
  timer?: NodeJS.Timeout;
  sessionId?: string;
}

/** Submitted ops in the measurement window: [key, sentAt, ackAt, chars, docKey]. */
type Submitted = [string, number, number, number, string];

const state = {
  url: '',
  typists: [] as Typist[],
  intervalMs: 1000 / 6,
  typing: false,
  window: { from: 0, to: 0 },
  /** key → [last application time, applications] */
  received: new Map<string, [number, number]>(),
  submitted: [] as Submitted[],
  /** sessionId → times a version notice arrived */
  commits: new Map<string, number[]>(),
  /** sessionId → time of the latest acknowledged edit */
  lastAck: new Map<string, number>(),
  errors: [] as string[],
  observer: null as null | { client: TextClient; token: string; c: string; d: string },
  idleWaiters: [] as Array<() => void>,
};

function onRemote(t: Typist) {
  return (
    op: { src: string; seq: number; op: Array<{ p: ['text', number]; si?: string; sd?: string }> },
    at: number,
  ) => {
    const key = `${op.src}:${op.seq}`;
    const r = state.received.get(key);
    if (r) {
      if (at > r[0]) r[0] = at;
      r[1]++;
    } else state.received.set(key, [at, 1]);
    for (const c of op.op) {
      const p = c.p[1];
      if (p >= t.caret) continue;
      if (c.si !== undefined) t.caret += c.si.length;
      else if (c.sd !== undefined) t.caret -= Math.min(c.sd.length, t.caret - p);
    }
  };
}

function flush(t: Typist): void {
  if (!t.pending || t.doc.busy) {
    if (!t.pending && !t.doc.busy) checkIdle();
    return;
  }
  const text = t.pending;
  t.pending = '';
  const pos = Math.min(Math.max(t.caret, 0), t.doc.length);
  const key = `${t.link.src}:${t.doc.peekSeq()}`;
  t.caret = pos + text.length;
  t.doc.submit([{ p: ['text', pos], si: text }], text.length).then(
    (r) => {
      t.typed += text.length;
      if (r.sentAt >= state.window.from && r.sentAt <= state.window.to) {
        state.submitted.push([key, r.sentAt, r.ackAt, text.length, docKey(t.doc)]);
      }
      if (t.sessionId) state.lastAck.set(t.sessionId, r.ackAt);
      flush(t);
    },
    (err: Error) => {
      state.errors.push(err.message);
      flush(t);
    },
  );
}

function checkIdle(): void {
  if (state.typing || state.idleWaiters.length === 0) return;
  if (state.typists.some((t) => t.pending || t.doc.busy)) return;
  for (const w of state.idleWaiters.splice(0)) w();
}

function tick(t: Typist): void {
  if (!state.typing) return;
  t.pending += t.phrase[t.next++ % t.phrase.length];
  flush(t);
  // ±25% around the mean interval, so typists do not type in lockstep.
  t.timer = setTimeout(() => tick(t), state.intervalMs * (0.75 + Math.random() * 0.5));
}

export const typistHandlers = {
  async 'typists.setup'(setup: TypistsSetup) {
    state.url = setup.url;
    state.intervalMs = 1000 / setup.charsPerSecond;
    const made = await inBatches(setup.typists.length, 25, async (i) => {
      const spec = setup.typists[i]!;
      const { link, doc } = await fleetClient(setup.url, spec.token, spec.c, spec.d);
      const t: Typist = {
        link,
        doc,
        caret: Math.min(spec.caret, doc.length),
        pending: '',
        phrase: `let v${i}_${link.src.slice(0, 4)} = compute(${i}, 42); // typed by a bench typist\n`,
        next: 0,
        typed: 0,
        ...(spec.sessionId ? { sessionId: spec.sessionId } : {}),
      };
      doc.onRemote = onRemote(t);
      if (spec.watchCommits && spec.sessionId && link.socket) watchCommits(link.socket, spec.sessionId);
      if (spec.sessionId && link.socket) {
        const ack = await link.socket
          .timeout(30_000)
          .emitWithAck('session:join', { sessionId: spec.sessionId });
        if (!ack?.ok) throw new Error(`session:join refused: ${JSON.stringify(ack)}`);
      }
      return t;
    });
    state.typists.push(...made);
    if (setup.observer) {
      const client = await openTextClient(
        setup.url,
        setup.observer.token,
        setup.observer.c,
        setup.observer.d,
      );
      state.observer = { client, ...setup.observer };
    }
    return { typists: state.typists.length };
  },

  /** Starts typing at `at` (wall ms); ops sent within [from, to] are measured. */
  'typists.start'({ at, from, to }: { at: number; from: number; to: number }) {
    state.window = { from, to };
    state.typing = true;
    for (const t of state.typists) {
      const delay = Math.max(0, at - now()) + Math.random() * state.intervalMs;
      t.timer = setTimeout(() => tick(t), delay);
    }
    return null;
  },

  /** Stops typing and waits for every typed character to be acknowledged. */
  async 'typists.stop'() {
    state.typing = false;
    for (const t of state.typists) clearTimeout(t.timer);
    await new Promise<void>((resolve) => {
      state.idleWaiters.push(resolve);
      checkIdle();
    });
    const authored = state.typists.reduce((sum, t) => sum + (t.doc.authored ?? 0), 0);
    return { versions: maxVersions(state.typists.map((t) => t.doc)), authored };
  },

  'typists.sync'({ targets, timeoutMs }: { targets: Record<string, number>; timeoutMs: number }) {
    return syncDocs(
      state.typists.map((t) => t.doc),
      targets,
      timeoutMs,
    );
  },

  /** Everything measured, plus the convergence facts this process can check. */
  async 'typists.collect'() {
    const typed: Record<string, number> = {};
    for (const t of state.typists) typed[docKey(t.doc)] = (typed[docKey(t.doc)] ?? 0) + t.typed;
    let observer: null | { ok: boolean; length: number; version: number } = null;
    if (state.observer) {
      const { client, token, c, d } = state.observer;
      const fetched = await fetchTextOf(state.url, token, c, d);
      observer = { ok: client.text() === fetched, length: fetched.length, version: client.progress() };
    }
    return {
      submitted: state.submitted,
      received: [...state.received.entries()].map(([k, [t, n]]) => [k, t, n]),
      versions: state.typists.map((t) => [docKey(t.doc), t.doc.version, t.doc.length]),
      typed,
      observer,
      commits: [...state.commits.entries()],
      lastAck: [...state.lastAck.entries()],
      errors: state.errors.slice(0, 20),
      errorCount: state.errors.length,
      cpu: processCpu(),
    };
  },

  /** Forgets latency records (between phases of a long run) without touching the clients. */
  'typists.clearRecords'() {
    state.received.clear();
    state.submitted = [];
    return null;
  },

  'typists.close'() {
    state.typing = false;
    for (const t of state.typists) {
      clearTimeout(t.timer);
      t.link.close();
    }
    state.observer?.client.close();
    state.typists = [];
    state.observer = null;
    state.received.clear();
    state.submitted = [];
    state.commits.clear();
    state.lastAck.clear();
    state.errors = [];
    return null;
  },
};

function watchCommits(socket: Socket, sessionId: string): void {
  socket.on('session:event', (e: { sessionId?: string; type?: string }) => {
    if (e?.type !== 'version' || e.sessionId !== sessionId) return;
    const list = state.commits.get(sessionId) ?? [];
    list.push(now());
    state.commits.set(sessionId, list);
  });
}
