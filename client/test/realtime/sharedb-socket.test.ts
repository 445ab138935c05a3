/**
 * The ShareDB shim over a real socket.io link to a real ShareDB backend, with the server's own
 * stream adapter (which batches several messages into one event).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import ShareDB from 'sharedb';
import { Connection, type Doc } from 'sharedb/lib/client';
import { Server } from 'socket.io';
import { io, type Socket } from 'socket.io-client';
import { EVENTS } from '../../../server/src/protocol/events';
import { ShareDBSocketStream } from '../../../server/src/realtime/sharedb-stream';
import { ShareDBSocket, sendObjectsDirectly } from '../../src/realtime/sharedb-socket';
import { sleep } from '../helpers/sharedb-peers';

const until = async (check: () => boolean, what: string, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
};

const subscribe = (doc: Doc) => new Promise<void>((ok, fail) => doc.subscribe((e) => (e ? fail(e) : ok())));

describe('ShareDB over socket.io', () => {
  let http: HttpServer;
  let ioServer: Server;
  let backend: ShareDB;
  let url: string;
  let clients: Socket[];
  const received: unknown[] = [];

  beforeEach(async () => {
    backend = new ShareDB({ presence: true, doNotForwardSendPresenceErrorsToClient: true });
    http = createServer();
    ioServer = new Server(http, { serveClient: false });
    ioServer.on('connection', (socket) => {
      socket.on(EVENTS.sharedb, (m: unknown) => received.push(m));
      backend.listen(new ShareDBSocketStream(socket) as never);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    clients = [];
    received.length = 0;
    const seed = backend.connect().get('files', 'f');
    await new Promise<void>((ok) => seed.create({ text: 'hello' }, () => ok()));
  });

  afterEach(async () => {
    for (const c of clients) c.disconnect();
    await new Promise<void>((resolve) => ioServer.close(() => resolve()));
    backend.close();
  });

  function connect(): { socket: Socket; connection: Connection } {
    const socket = io(url, { transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 100 });
    clients.push(socket);
    const shim = new ShareDBSocket(socket);
    const connection = new Connection(shim as never);
    sendObjectsDirectly(connection, shim);
    return { socket, connection };
  }

  const serverText = async () => {
    const doc = backend.connect().get('files', 'f');
    await new Promise<void>((ok) => doc.fetch(() => ok()));
    return (doc.data as { text: string }).text;
  };

  it('sends protocol messages as objects, not JSON strings', async () => {
    const { connection } = connect();
    const doc = connection.get('files', 'f');
    await subscribe(doc);
    expect(doc.data.text).to.equal('hello');
    expect(received.length).to.be.greaterThan(0);
    expect(received.every((m) => typeof m === 'object')).to.equal(true);
  });

  it('applies every message of a batched event', async () => {
    const a = connect();
    const b = connect();
    const docA = a.connection.get('files', 'f');
    const docB = b.connection.get('files', 'f');
    await Promise.all([subscribe(docA), subscribe(docB)]);
    // Ops submitted in one tick reach b in one event as an array.
    for (let i = 0; i < 20; i++) docA.submitOp([{ p: ['text', 0], si: String(i % 10) }]);
    await until(() => docB.data.text.length === 25, 'all ops at b');
    expect(docB.data.text).to.equal(docA.data.text);
  });

  it('keeps edits made while disconnected and sends them once after reconnecting', async () => {
    const { socket, connection } = connect();
    const doc = connection.get('files', 'f');
    await subscribe(doc);
    const acked: string[] = [];
    // Drop the transport the way a network loss does; socket.io reconnects by itself.
    socket.io.engine.close();
    await until(() => !socket.connected, 'disconnect');
    doc.submitOp([{ p: ['text', 5], si: ' world' }], {}, () => acked.push('world'));
    doc.submitOp([{ p: ['text', 11], si: '!' }], {}, () => acked.push('!'));
    expect(socket.sendBuffer, 'nothing queued in socket.io').to.have.length(0);
    await until(() => acked.length === 2, 'both edits confirmed');
    expect(await serverText()).to.equal('hello world!');
  });

  it('recovers ops it missed while disconnected', async () => {
    const a = connect();
    const b = connect();
    const docA = a.connection.get('files', 'f');
    const docB = b.connection.get('files', 'f');
    await Promise.all([subscribe(docA), subscribe(docB)]);
    b.socket.io.engine.close();
    await until(() => !b.socket.connected, 'b offline');
    docA.submitOp([{ p: ['text', 0], si: '>> ' }]);
    docB.submitOp([{ p: ['text', 5], si: '?' }]);
    await until(() => docA.data.text === docB.data.text && !docB.hasPending(), 'convergence', 8000);
    expect(docB.data.text).to.equal('>> hello?');
  });
});
