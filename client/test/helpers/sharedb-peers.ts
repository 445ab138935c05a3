/**
 * Simulated peers for editor tests: each peer is an EditorState holder (no DOM) bound to its own
 * ShareDB connection to one in-process backend, the way each browser tab is bound to the server.
 */
import { EditorState, type Extension, Transaction, type TransactionSpec } from '@codemirror/state';
import ShareDB from 'sharedb';
import type { Connection, Doc } from 'sharedb/lib/client';
import { types } from 'sharedb/lib/client';
import { registerTextType } from '../../../server/src/protocol/text-ops';
import { type CursorValue, PresenceSync, type RemoteUser } from '../../src/editor/remote-cursors';
import { bindingExtensions, type EditorHost, ShareDBBinding } from '../../src/editor/sharedb-binding';

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Where a json0 op would break a surrogate pair (what the real server rejects), or null. */
export function surrogateViolation(text: string, op: { p: [string, number]; si?: string; sd?: string }[]) {
  const hasLoneHalf = (s: string) =>
    /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
  for (const c of op) {
    const at = c.p[1];
    if (at > 0 && at < text.length && isHigh(text.charCodeAt(at - 1)) && isLow(text.charCodeAt(at))) {
      return `offset ${at} splits a pair`;
    }
    if (c.si !== undefined) {
      if (hasLoneHalf(c.si)) return `si ${JSON.stringify(c.si)} has a lone half`;
      text = text.slice(0, at) + c.si + text.slice(at);
    } else if (c.sd !== undefined) {
      if (hasLoneHalf(c.sd)) return `sd ${JSON.stringify(c.sd)} has a lone half`;
      const end = at + c.sd.length;
      if (end < text.length && isHigh(text.charCodeAt(end - 1)) && isLow(text.charCodeAt(end))) {
        return `sd end ${end} splits a pair`;
      }
      text = text.slice(0, at) + text.slice(end);
    }
  }
  return null;
}

/** An in-process backend that behaves like ours where the editor can tell: presence on, users stamped, bad ops refused. */
export function createBackend() {
  // What realtime/ot-types.ts does in the browser (it imports through the @protocol alias).
  registerTextType(types as unknown as Parameters<typeof registerTextType>[0]);
  const backend = new ShareDB({ presence: true, doNotForwardSendPresenceErrorsToClient: true });
  const violations: string[] = [];
  backend.use('connect', (context, next) => {
    context.agent.custom = { user: (context.req as { user?: RemoteUser } | undefined)?.user };
    next();
  });
  backend.use('apply', (request, next) => {
    const text = (request.snapshot?.data as { text?: string } | undefined)?.text;
    const op = (request.op as { op?: unknown }).op as
      | { p: [string, number]; si?: string; sd?: string }[]
      | undefined;
    const problem = typeof text === 'string' && op ? surrogateViolation(text, op) : null;
    if (problem) {
      violations.push(problem);
      return next({ code: 'ERR_INVALID_OP', message: problem } as unknown as Error);
    }
    next();
  });
  backend.use('receivePresence', (context, next) => {
    const value = context.presence.p as CursorValue | null;
    if (value) value.user = (context.agent.custom as { user: RemoteUser }).user;
    next();
  });
  return { backend, violations };
}

export async function createFileDoc(backend: ShareDB, id: string, text: string): Promise<void> {
  const doc = backend.connect().get('files', id);
  await new Promise<void>((resolve, reject) =>
    doc.create({ text }, (err) => (err ? reject(err) : resolve())),
  );
}

/** One editor: a state holder standing in for an EditorView, bound like the real one. */
export class Peer implements EditorHost {
  state: EditorState;
  readonly connection: Connection;
  readonly doc: Doc;
  binding!: ShareDBBinding;
  cursors: PresenceSync | null = null;
  readonly errors: { message: string }[] = [];

  private constructor(backend: ShareDB, id: string, user: RemoteUser) {
    this.connection = backend.connect(undefined, { user });
    this.doc = this.connection.get('files', id);
    this.doc.on('error', (error) => this.errors.push(error));
    this.state = EditorState.create();
  }

  static async join(
    backend: ShareDB,
    id: string,
    user: RemoteUser,
    extensions: Extension = [],
  ): Promise<Peer> {
    const peer = new Peer(backend, id, user);
    await new Promise<void>((resolve, reject) =>
      peer.doc.subscribe((err) => (err ? reject(err) : resolve())),
    );
    peer.state = EditorState.create({
      doc: (peer.doc.data as { text: string }).text,
      extensions: [bindingExtensions(), extensions],
    });
    peer.binding = new ShareDBBinding(peer.doc, peer, { onError: (error) => peer.errors.push(error) });
    return peer;
  }

  /** Shares cursors over doc presence, as the editor does. */
  withCursors(): this {
    const presence = this.connection.getDocPresence('files', this.doc.id);
    this.cursors = new PresenceSync(presence, this, { throttleMs: 0 });
    return this;
  }

  dispatch(spec: TransactionSpec | Transaction): void {
    const tr = spec instanceof Transaction ? spec : this.state.update(spec);
    this.state = tr.state;
    this.binding?.applied(tr);
    this.cursors?.applied(tr);
  }

  /** What CodeMirror commands (undo, redo…) take: the current state and a dispatch. */
  get target() {
    return { state: this.state, dispatch: (tr: Transaction) => this.dispatch(tr) };
  }

  get text(): string {
    return this.state.doc.toString();
  }

  close(): void {
    this.cursors?.destroy();
    this.binding.destroy();
    this.connection.close();
  }
}

export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until every peer has nothing in flight and all stand at the same version. */
export async function settle(peers: Peer[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await Promise.all(peers.map((p) => new Promise<void>((resolve) => p.doc.whenNothingPending(resolve))));
    await sleep(5);
    const versions = new Set(peers.map((p) => p.doc.version));
    if (versions.size === 1 && peers.every((p) => !p.doc.hasPending())) return;
    if (Date.now() > deadline) throw new Error(`peers did not settle: versions ${[...versions].join(', ')}`);
  }
}

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed from its seed. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}
