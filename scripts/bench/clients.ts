/**
 * Bench clients for Gitpad's realtime protocol (docs/protocol.md), both over a real
 * socket.io-client connection:
 *
 * - `FullClient`: ShareDB's own client `Connection` over the WebSocket-like shim the protocol
 *   describes, with the presence-aware json0 registered. What a browser tab runs, minus the editor.
 * - `RawLink` + `RawDoc`: a lightweight client that speaks the ShareDB wire protocol itself and
 *   keeps only a document's version and length, not its text. Load generators use it so that a
 *   crowd of hundreds of clients fits in a few processes and the server, not the generator, is
 *   what gets measured. Like ShareDB's client it has one op in flight per document; ops arriving
 *   out of version order are held until the gap fills.
 */
import ShareDBClient from 'sharedb/lib/client/index.js';
import { io, type Socket } from 'socket.io-client';
import { registerTextType } from '../../server/src/protocol/text-ops.js';
import { openWs, WsEventSocket } from './peers/sharedb-ws.js';
import { parseUrl } from './peers/systems.js';

registerTextType(ShareDBClient.types as unknown as Parameters<typeof registerTextType>[0]);

export type Connection = InstanceType<typeof ShareDBClient.Connection>;
export type ClientDoc = ReturnType<Connection['get']>;
/** A json0 string component on a file document. */
export type TextOp = Array<{ p: ['text', number]; si?: string; sd?: string }>;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const now = (): number => performance.timeOrigin + performance.now();

/** The json0 type (with presence transform) as the ShareDB client registered it. */
export const json0 = ShareDBClient.types.defaultType as unknown as {
  apply(snapshot: unknown, op: unknown): unknown;
  transform(op: unknown, other: unknown, side: 'left' | 'right'): unknown;
};

/** Opens a socket.io connection as the protocol says (websocket only); rejects on refusal. */
export function openSocket(url: string, token: string): Promise<Socket> {
  const socket = io(url, {
    auth: { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 60_000,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
}

class SocketShim {
  readyState = 0;
  onopen: (() => void) | null = null;
  onclose: ((reason: string) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;

  constructor(readonly socket: Socket) {
    // Connected already (openSocket resolved): ShareDB's Connection sends its handshake on open.
    this.readyState = 1;
    socket.on('disconnect', () => {
      this.readyState = 3;
      this.onclose?.('disconnected');
    });
    socket.on('sharedb', (data: unknown) => {
      for (const m of Array.isArray(data) ? data : [data]) this.onmessage?.({ data: m });
    });
  }

  send(message: string | object): void {
    if (!this.socket.connected) return;
    this.socket.emit('sharedb', typeof message === 'string' ? JSON.parse(message) : message);
  }

  close(): void {
    this.socket.disconnect();
  }
}

/** ShareDB's client over one socket.io connection. */
export class FullClient {
  private constructor(
    readonly socket: Socket,
    readonly connection: Connection,
  ) {}

  static async connect(url: string, token: string): Promise<FullClient> {
    const socket = await openSocket(url, token);
    const shim = new SocketShim(socket);
    // The shim is open from the start, so the Connection sends its handshake right away.
    const connection = new ShareDBClient.Connection(shim as never);
    // Hand ShareDB's message objects to socket.io as they are (it would JSON-encode them first).
    (connection as unknown as { send(m: object): void }).send = function (this: Connection, message: object) {
      (this as unknown as { emit(e: string, m: object): void }).emit('send', message);
      shim.send(message);
    };
    return new FullClient(socket, connection);
  }

  doc(c: string, d: string): ClientDoc {
    return this.connection.get(c, d);
  }

  close(): void {
    this.connection.close();
    this.socket.disconnect();
  }
}

export function subscribeDoc(doc: ClientDoc): Promise<void> {
  return new Promise((resolve, reject) => doc.subscribe((err: unknown) => (err ? reject(err) : resolve())));
}

export function fetchDoc(doc: ClientDoc): Promise<void> {
  return new Promise((resolve, reject) => doc.fetch((err: unknown) => (err ? reject(err) : resolve())));
}

/** Submits and resolves on the server's acknowledgement. */
export function submitOp(doc: ClientDoc, op: unknown): Promise<void> {
  return new Promise((resolve, reject) =>
    doc.submitOp(op as never, {}, (err: unknown) => (err ? reject(err) : resolve())),
  );
}

/** Reads a file's text with a fresh connection (what the server would give a new client). */
export async function fetchText(url: string, token: string, c: string, d: string): Promise<string> {
  const client = await FullClient.connect(url, token);
  try {
    const doc = client.doc(c, d);
    await fetchDoc(doc);
    return (doc.data as { text: string }).text;
  } finally {
    client.close();
  }
}

interface WireMessage {
  a: string;
  c?: string;
  d?: string;
  v?: number;
  src?: string;
  seq?: number;
  op?: TextOp;
  data?: { v: number; data?: { text?: string } };
  error?: { code: string; message: string };
  id?: string;
}

/** One socket speaking raw ShareDB protocol, for any number of `RawDoc`s. */
export class RawLink {
  /** The ShareDB client id the server gave us in the handshake. */
  src = '';
  private seq = 0;
  private readonly docs = new Map<string, RawDoc>();
  private handshake?: (m: WireMessage) => void;

  private constructor(readonly socket: Socket) {
    socket.on('sharedb', (data: WireMessage | WireMessage[]) => {
      for (const m of Array.isArray(data) ? data : [data]) this.receive(m);
    });
  }

  static async connect(url: string, token: string): Promise<RawLink> {
    // Stock ShareDB (a peer, issue 17) speaks the same messages over a plain WebSocket.
    const target = parseUrl(url);
    const socket =
      target.wire === 'sharedb'
        ? (new WsEventSocket(await openWs(target.url)) as unknown as Socket)
        : await openSocket(url, token);
    const link = new RawLink(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ShareDB handshake reply')), 60_000);
      link.handshake = (m) => {
        clearTimeout(timer);
        link.src = m.id ?? '';
        resolve();
      };
      link.send({ a: 'hs', id: null, protocol: 1, protocolMinor: 2 });
    });
    return link;
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** The sequence number `nextSeq` will hand out next. */
  peekSeq(): number {
    return this.seq + 1;
  }

  send(message: object): void {
    this.socket.emit('sharedb', message);
  }

  doc(c: string, d: string): RawDoc {
    const k = `${c}\u0000${d}`;
    let doc = this.docs.get(k);
    if (!doc) {
      doc = new RawDoc(this, c, d);
      this.docs.set(k, doc);
    }
    return doc;
  }

  close(): void {
    this.socket.disconnect();
  }

  private receive(m: WireMessage): void {
    if (m.a === 'hs') {
      this.handshake?.(m);
      return;
    }
    if (m.c === undefined || m.d === undefined) return;
    this.docs.get(`${m.c}\u0000${m.d}`)?.receive(m);
  }
}

export interface RemoteOp {
  v: number;
  src: string;
  seq: number;
  op: TextOp;
}

interface Inflight {
  seq: number;
  /** Change in length the op makes. */
  delta: number;
  sentAt: number;
  resolve(r: { sentAt: number; ackAt: number; v: number }): void;
  reject(e: Error): void;
}

/** A subscribed document as a lightweight client sees it: version and length, no text. */
export class RawDoc {
  /** The next version to apply (every op below it has been applied here). */
  version = -1;
  length = 0;
  /** Remote ops applied here (after the subscribe snapshot). */
  remoteOps = 0;
  /** Called as each remote op is applied, in version order. */
  onRemote: ((op: RemoteOp, at: number) => void) | null = null;
  private readonly held = new Map<number, WireMessage>();
  private inflight: Inflight | null = null;
  private subscribed?: { resolve(): void; reject(e: Error): void };
  private versionWaiters: Array<{ v: number; resolve(): void }> = [];

  constructor(
    readonly link: RawLink,
    readonly c: string,
    readonly d: string,
  ) {}

  /** Subscribes; resolves once the snapshot is in (its text is dropped after measuring it). */
  subscribe(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.subscribed = { resolve, reject };
      this.link.send({ a: 's', c: this.c, d: this.d });
    });
  }

  get busy(): boolean {
    return this.inflight !== null;
  }

  /**
   * Sends `op` (valid against the text at `this.version`) and resolves on its acknowledgement.
   * One op in flight at a time, as ShareDB's client does.
   */
  submit(op: TextOp, delta: number): Promise<{ sentAt: number; ackAt: number; v: number; seq: number }> {
    if (this.inflight) return Promise.reject(new Error('an op is already in flight'));
    const seq = this.link.nextSeq();
    const sentAt = now();
    return new Promise((resolve, reject) => {
      this.inflight = { seq, delta, sentAt, resolve: (r) => resolve({ ...r, seq }), reject };
      this.link.send({ a: 'op', c: this.c, d: this.d, v: this.version, src: this.link.src, seq, op });
    });
  }

  /** The sequence number the next `submit` will use (to key it before sending). */
  peekSeq(): number {
    return this.link.peekSeq();
  }

  /** Resolves once every op below version `v` has been applied here. */
  reach(v: number): Promise<void> {
    if (this.version >= v) return Promise.resolve();
    return new Promise((resolve) => this.versionWaiters.push({ v, resolve }));
  }

  receive(m: WireMessage): void {
    if (m.error) {
      const err = new Error(`${m.error.code}: ${m.error.message}`);
      if (m.a === 's' && this.subscribed) {
        this.subscribed.reject(err);
        this.subscribed = undefined;
      } else if (m.a === 'op' && this.inflight && m.seq === this.inflight.seq) {
        const inflight = this.inflight;
        this.inflight = null;
        inflight.reject(err);
      }
      return;
    }
    if (m.a === 's' && m.data) {
      this.version = m.data.v;
      this.length = m.data.data?.text?.length ?? 0;
      for (const v of this.held.keys()) if (v < this.version) this.held.delete(v);
      this.drain();
      this.subscribed?.resolve();
      this.subscribed = undefined;
      return;
    }
    if (m.a === 'op' && typeof m.v === 'number') {
      if (this.version >= 0 && m.v < this.version) return; // a duplicate (ShareDB may resend)
      this.held.set(m.v, m);
      if (this.version >= 0) this.drain();
    }
  }

  private drain(): void {
    let applied = false;
    for (let m = this.held.get(this.version); m; m = this.held.get(this.version)) {
      this.held.delete(this.version);
      this.version++;
      applied = true;
      const inflight = this.inflight;
      // Our own op: an acknowledgement (the real server) or our op echoed back (the floor).
      if (inflight && m.src === this.link.src && m.seq === inflight.seq) {
        this.inflight = null;
        this.length += inflight.delta;
        inflight.resolve({ sentAt: inflight.sentAt, ackAt: now(), v: m.v! });
        continue;
      }
      if (!m.op) continue;
      for (const c of m.op) this.length += c.si !== undefined ? c.si.length : -(c.sd?.length ?? 0);
      this.remoteOps++;
      this.onRemote?.({ v: m.v!, src: m.src!, seq: m.seq!, op: m.op }, now());
    }
    if (applied && this.versionWaiters.length > 0) {
      const ready = this.versionWaiters.filter((w) => w.v <= this.version);
      this.versionWaiters = this.versionWaiters.filter((w) => w.v > this.version);
      for (const w of ready) w.resolve();
    }
  }
}
