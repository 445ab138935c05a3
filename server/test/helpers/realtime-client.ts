/**
 * A real third-party client as docs/protocol.md describes it: socket.io-client plus ShareDB's own
 * client Connection over a WebSocket-like shim on the `sharedb` event.
 */
import ShareDBClient from 'sharedb/lib/client/index.js';
import { io, type Socket } from 'socket.io-client';
import { registerTextType } from '../../src/protocol/text-ops.js';

registerTextType(ShareDBClient.types as unknown as Parameters<typeof registerTextType>[0]);

type Connection = InstanceType<typeof ShareDBClient.Connection>;
export type ClientDoc = ReturnType<Connection['get']>;

class SocketShim {
  readyState = 0;
  onopen: (() => void) | null = null;
  onclose: ((reason: string) => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  private closedByUs = false;

  constructor(private readonly socket: Socket) {
    socket.on('connect', () => {
      // socket.io would replay frames queued while offline; ShareDB resends what it needs itself.
      socket.sendBuffer = [];
      this.readyState = 1;
      this.onopen?.();
    });
    socket.on('disconnect', () => {
      this.readyState = this.closedByUs ? 3 : 0;
      this.onclose?.(this.closedByUs ? 'closed' : 'disconnected');
    });
    socket.on('sharedb', (data: unknown) => {
      for (const m of Array.isArray(data) ? data : [data]) this.onmessage?.({ data: m });
    });
    socket.on('connect_error', (err) => this.onerror?.(err));
  }

  send(message: string | object): void {
    if (!this.socket.connected) return;
    this.socket.emit('sharedb', typeof message === 'string' ? JSON.parse(message) : message);
  }

  close(): void {
    this.closedByUs = true;
    this.socket.disconnect();
  }
}

export interface RealtimeClient {
  socket: Socket;
  connection: Connection;
  close(): void;
}

/** Connects and resolves once socket.io is connected (rejects with the connect error message). */
export function connectClient(url: string, token: string | undefined): Promise<RealtimeClient> {
  const socket = io(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    forceNew: true,
  });
  const shim = new SocketShim(socket);
  const connection = new ShareDBClient.Connection(shim as never);
  // Send objects directly rather than ShareDB's JSON string, which the shim would parse again.
  (connection as unknown as { send(m: object): void }).send = function (this: Connection, message: object) {
    (this as unknown as { emit(e: string, m: object): void }).emit('send', message);
    shim.send(message);
  };
  const client: RealtimeClient = {
    socket,
    connection,
    close: () => {
      connection.close();
      socket.disconnect();
    },
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
}

/** socket.io event with an ack, as a promise. */
export function emitAck<T = any>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return socket.timeout(5000).emitWithAck(event, payload) as Promise<T>;
}

export function subscribe(doc: ClientDoc): Promise<void> {
  return new Promise((resolve, reject) => doc.subscribe((err: unknown) => (err ? reject(err) : resolve())));
}

export function fetchDoc(doc: ClientDoc): Promise<void> {
  return new Promise((resolve, reject) => doc.fetch((err: unknown) => (err ? reject(err) : resolve())));
}

/** Submits an op and resolves when the server acknowledges it (rejects with its error). */
export function submit(doc: ClientDoc, op: unknown): Promise<void> {
  return new Promise((resolve, reject) =>
    doc.submitOp(op as never, {}, (err: unknown) => (err ? reject(err) : resolve())),
  );
}

/** Resolves when every pending op of `doc` is acknowledged. */
export function settled(doc: ClientDoc): Promise<void> {
  return new Promise((resolve) => doc.whenNothingPending(() => resolve()));
}

/** Polls `check` until it returns truthy, or fails after `ms`. */
export async function waitFor<T>(check: () => T | Promise<T>, ms = 5000, what = 'condition'): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A bare socket speaking raw ShareDB protocol (no client library), after ShareDB's handshake. */
export interface RawClient {
  socket: Socket;
  /** The ShareDB client id the server assigned in the handshake. */
  src: string;
  close(): void;
}

export async function connectRaw(url: string, token: string): Promise<RawClient> {
  const socket = io(url, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const raw: RawClient = { socket, src: '', close: () => socket.disconnect() };
  const hs = await rawExchange(
    raw,
    { a: 'hs', id: null, protocol: 1, protocolMinor: 2 },
    (m) => m.a === 'hs',
  );
  raw.src = hs.id;
  return raw;
}

/**
 * Sends one raw ShareDB message, bypassing any client library's checks (to test what the server
 * does with it), and resolves with the first reply `isReply` accepts.
 */
export function rawExchange(
  client: { socket: Socket },
  message: unknown,
  isReply: (m: any) => boolean,
  ms = 3000,
): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.socket.off('sharedb', onData);
      reject(new Error(`no reply to ${JSON.stringify(message)}`));
    }, ms);
    const onData = (data: unknown) => {
      for (const m of Array.isArray(data) ? data : [data]) {
        if (isReply(m)) {
          clearTimeout(timer);
          client.socket.off('sharedb', onData);
          resolve(m);
          return;
        }
      }
    };
    client.socket.on('sharedb', onData);
    client.socket.emit('sharedb', message);
  });
}

let rawSeq = 900_000;

/** A raw op submission; resolves with the server's reply (`error` set when refused). */
export function rawSubmit(
  client: RawClient,
  c: string,
  d: string,
  v: number,
  op: unknown,
  extra: object = {},
): Promise<any> {
  const seq = ++rawSeq;
  const message = { a: 'op', c, d, v, src: client.src, seq, ...(op === undefined ? {} : { op }), ...extra };
  return rawExchange(client, message, (m) => m.a === 'op' && m.seq === message.seq && m.src === message.src);
}

/** The text of a file document a client holds. */
export const textOf = (doc: { data: unknown }) => (doc.data as { text: string }).text;

/**
 * Opens `doc` on a new connection for `token` and subscribes to it; the connection joins
 * `clients`, which the test's `after` hook closes.
 */
export async function openDoc(
  clients: RealtimeClient[],
  url: string,
  token: string,
  doc: { collection: string; id: string },
): Promise<ClientDoc> {
  const client = await connectClient(url, token);
  clients.push(client);
  const d = client.connection.get(doc.collection, doc.id);
  await subscribe(d);
  return d;
}
