/**
 * Peer: stock ShareDB (its default in-memory database, MemoryDB, and plain json0) over plain
 * WebSockets (`ws`), in its own process: each socket becomes a JSON object stream handed to
 * `backend.listen`, the way ShareDB's own examples serve it. No auth, no presence, no git: the
 * OT server Gitpad is built on, without Gitpad.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import ShareDB from 'sharedb';
import { type WebSocket, WebSocketServer } from 'ws';
import { servePeer } from './serve.js';

/** One socket as the object stream ShareDB's `listen` expects: JSON messages in and out. */
function jsonStream(ws: WebSocket): Duplex {
  const stream = new Duplex({
    objectMode: true,
    read() {},
    write(message, _encoding, done) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message), done);
      else done();
    },
  });
  ws.on('message', (data) => {
    try {
      stream.push(JSON.parse(data.toString()));
    } catch {
      ws.close(1003, 'bad JSON');
    }
  });
  ws.on('close', () => {
    stream.push(null);
    stream.destroy();
  });
  stream.on('error', () => ws.terminate());
  stream.on('end', () => ws.close());
  return stream;
}

const backend = new ShareDB();
let submits = 0;
backend.on('submitRequestEnd', () => {
  submits++;
});
const httpServer = http.createServer();
const wss = new WebSocketServer({ server: httpServer });
wss.on('connection', (ws) => backend.listen(jsonStream(ws)));
await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
const seeder = backend.connect();

servePeer({
  port: (httpServer.address() as AddressInfo).port,
  createDoc: (name, text) =>
    new Promise((resolve, reject) => {
      const doc = seeder.get('files', name);
      doc.create({ text }, (err) => (err ? reject(err) : resolve()));
    }),
  submits: () => submits,
  async close() {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => backend.close(() => resolve()));
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  },
});
