/**
 * Peer: y-websocket's reference server (`@y/websocket-server`, the server half that left the
 * y-websocket package in v2) with its defaults and no persistence, in its own process: its
 * `setupWSConnection` on a `ws` server, the document named by the URL path.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getYDoc, setupWSConnection } from '@y/websocket-server/utils';
import { WebSocketServer } from 'ws';
import { servePeer } from './serve.js';

const httpServer = http.createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('okay');
});
const wss = new WebSocketServer({ noServer: true });
wss.on('connection', setupWSConnection);
httpServer.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
});
await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));

servePeer({
  port: (httpServer.address() as AddressInfo).port,
  async createDoc(name, text) {
    const ytext = getYDoc(name).getText('text');
    ytext.delete(0, ytext.length);
    ytext.insert(0, text);
  },
  submits: () => 0,
  async close() {
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  },
});
