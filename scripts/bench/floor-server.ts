/**
 * The transport floor: a fake server that speaks just enough of Gitpad's realtime protocol
 * (socket.io, ShareDB messages on the `sharedb` event, docs/protocol.md) for the same clients to
 * run against it, and does no work beyond the transport: the handshake, a snapshot on fetch and
 * subscribe, every op acknowledged at once with the version incremented and relayed to the
 * document's other subscribers. No auth, no storage, no transform, no validation.
 *
 * It moves ops the cheapest way the protocol allows, as the real server does: the ops a document
 * commits in one tick go out as one array in one `sharedb` event, encoded once for all of its
 * subscribers (a socket.io room broadcast). The submitter gets its own op back in that batch,
 * and ShareDB's client takes its own op (same src and seq) as the acknowledgement. Replies to
 * requests (handshake, snapshots) go straight to the socket that asked.
 *
 * Run as a child of the bench runner: prints nothing, reports `{type: 'listening', port}` over
 * IPC and answers `stats`, `gc` and `createDoc` calls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { processStats, serveIpc } from './ipc.js';

const JSON0_URI = 'http://sharejs.org/types/JSONv0';

interface FloorDoc {
  c: string;
  d: string;
  v: number;
  text: string;
  /** Ops committed this tick, broadcast together on the next. */
  batch: unknown[];
}

const docs = new Map<string, FloorDoc>();
const key = (c: string, d: string) => `${c}/${d}`;
let submits = 0;
let clientSeq = 0;

function docOf(c: string, d: string): FloorDoc {
  let doc = docs.get(key(c, d));
  if (!doc) {
    doc = { c, d, v: 1, text: '', batch: [] };
    docs.set(key(c, d), doc);
  }
  return doc;
}

const room = (doc: FloorDoc) => `doc:${key(doc.c, doc.d)}`;

function flush(doc: FloorDoc): void {
  const batch = doc.batch;
  doc.batch = [];
  io.to(room(doc)).emit('sharedb', batch.length === 1 ? batch[0] : batch);
}

function handle(socket: Socket, src: string, m: any): void {
  switch (m?.a) {
    case 'hs':
      socket.emit('sharedb', { a: 'hs', protocol: 1, protocolMinor: 2, id: src, type: JSON0_URI });
      return;
    case 'f':
    case 's': {
      const doc = docOf(m.c, m.d);
      if (m.a === 's') socket.join(room(doc));
      socket.emit('sharedb', { a: m.a, c: m.c, d: m.d, data: { v: doc.v, data: { text: doc.text } } });
      return;
    }
    case 'u':
      socket.leave(room(docOf(m.c, m.d)));
      socket.emit('sharedb', { a: 'u', c: m.c, d: m.d });
      return;
    case 'op': {
      const doc = docOf(m.c, m.d);
      const message = { a: 'op', c: m.c, d: m.d, v: doc.v++, src: m.src ?? src, seq: m.seq, op: m.op };
      submits++;
      // A submitter that is not subscribed gets a plain acknowledgement.
      if (!socket.rooms.has(room(doc))) socket.emit('sharedb', { ...message, op: undefined });
      if (doc.batch.push(message) === 1) setImmediate(() => flush(doc));
      return;
    }
    case 'pp':
      socket.emit('sharedb', { a: 'pp' });
      return;
    default:
      // Presence and queries are not part of the floor; ignore them quietly.
      return;
  }
}

const httpServer = http.createServer();
const io = new Server(httpServer, {
  maxHttpBufferSize: 32 * 1024 * 1024,
  perMessageDeflate: false,
  serveClient: false,
});
io.on('connection', (socket) => {
  const src = `floor${++clientSeq}`;
  socket.on('sharedb', (data: unknown) => {
    for (const m of Array.isArray(data) ? data : [data]) handle(socket, src, m);
  });
});

const stats = () => processStats(submits);

serveIpc({
  stats,
  gc: () => {
    globalThis.gc?.();
    return stats();
  },
  createDoc: ({ c, d, text }: { c: string; d: string; text: string }) => {
    const doc = docOf(c, d);
    doc.text = text;
    return { v: doc.v };
  },
  shutdown: async () => {
    io.disconnectSockets(true);
    await new Promise<void>((resolve) => io.close(() => resolve()));
    setImmediate(() => process.exit(0));
    return null;
  },
});

httpServer.listen(0, '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: (httpServer.address() as AddressInfo).port });
});
