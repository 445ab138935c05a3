/**
 * The transport floor: a fake server that speaks just enough of Gitpad's realtime protocol
 * (socket.io, ShareDB messages on the `sharedb` event, docs/protocol.md) for the same clients to
 * run against it, and does no work beyond the transport: the handshake, a snapshot on fetch and
 * subscribe, every op acknowledged at once with the version incremented and relayed to the
 * document's other subscribers. No auth, no storage, no transform, no validation. Outgoing
 * messages are batched per socket per tick exactly as the real server does (an array in one
 * event), so the ratio real/floor measures the server's own work, not the framing.
 *
 * Run as a child of the bench runner: prints nothing, reports `{type: 'listening', port}` over
 * IPC and answers `stats`, `gc` and `createDoc` calls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { type ServerStats, serveIpc } from './ipc.js';

const JSON0_URI = 'http://sharejs.org/types/JSONv0';

interface FloorDoc {
  v: number;
  text: string;
  subscribers: Set<Outbox>;
}

/** Messages to one socket, flushed as one event per tick (as ShareDBSocketStream does). */
class Outbox {
  private queue: unknown[] = [];
  private scheduled = false;

  constructor(private readonly socket: Socket) {}

  send(message: unknown): void {
    this.queue.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.queue;
      this.queue = [];
      if (this.socket.connected && batch.length > 0)
        this.socket.emit('sharedb', batch.length === 1 ? batch[0] : batch);
    });
  }
}

const docs = new Map<string, FloorDoc>();
const key = (c: string, d: string) => `${c}/${d}`;
let submits = 0;
let clientSeq = 0;

function docOf(c: string, d: string): FloorDoc {
  let doc = docs.get(key(c, d));
  if (!doc) {
    doc = { v: 1, text: '', subscribers: new Set() };
    docs.set(key(c, d), doc);
  }
  return doc;
}

function handle(out: Outbox, src: string, m: any): void {
  switch (m?.a) {
    case 'hs':
      out.send({ a: 'hs', protocol: 1, protocolMinor: 2, id: src, type: JSON0_URI });
      return;
    case 'f':
    case 's': {
      const doc = docOf(m.c, m.d);
      if (m.a === 's') doc.subscribers.add(out);
      out.send({ a: m.a, c: m.c, d: m.d, data: { v: doc.v, data: { text: doc.text } } });
      return;
    }
    case 'u':
      docOf(m.c, m.d).subscribers.delete(out);
      out.send({ a: 'u', c: m.c, d: m.d });
      return;
    case 'op': {
      const doc = docOf(m.c, m.d);
      const v = doc.v++;
      submits++;
      const seqSrc = m.src ?? src;
      for (const other of doc.subscribers) {
        if (other !== out) other.send({ a: 'op', c: m.c, d: m.d, v, src: seqSrc, seq: m.seq, op: m.op });
      }
      out.send({ a: 'op', c: m.c, d: m.d, v, src: seqSrc, seq: m.seq });
      return;
    }
    case 'pp':
      out.send({ a: 'pp' });
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
  const out = new Outbox(socket);
  const src = `floor${++clientSeq}`;
  socket.on('sharedb', (data: unknown) => {
    for (const m of Array.isArray(data) ? data : [data]) handle(out, src, m);
  });
  socket.on('disconnect', () => {
    for (const doc of docs.values()) doc.subscribers.delete(out);
  });
});

function stats(): ServerStats {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return {
    cpuUs: cpu.user + cpu.system,
    rss: mem.rss,
    heapUsed: mem.heapUsed,
    external: mem.external,
    submits,
    retries: 0,
    wallMs: performance.now(),
  };
}

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
