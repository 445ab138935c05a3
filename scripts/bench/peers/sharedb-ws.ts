/**
 * ShareDB's wire protocol over a plain WebSocket (stock ShareDB, peers/sharedb-server.ts), in the
 * two shapes the bench clients use: the socket.io-like `on('sharedb')`/`emit('sharedb')` surface
 * that `RawLink` (clients.ts) is written against, and ShareDB's own client `Connection`, which
 * takes a WebSocket as it is.
 */
import ShareDBClient from 'sharedb/lib/client/index.js';
import WebSocket from 'ws';
import type { Connection } from '../clients.js';

export function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The part of a socket.io client socket `RawLink` uses, over a WebSocket carrying JSON. */
export class WsEventSocket {
  private readonly listeners: Array<(data: unknown) => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString());
      for (const l of this.listeners) l(message);
    });
  }

  on(event: string, listener: (data: any) => void): this {
    if (event === 'sharedb') this.listeners.push(listener);
    return this;
  }

  emit(event: string, message: unknown): this {
    if (event === 'sharedb' && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
    return this;
  }

  disconnect(): this {
    this.ws.terminate();
    return this;
  }
}

/** ShareDB's client `Connection` on a WebSocket to stock ShareDB. */
export async function shareDbConnection(url: string): Promise<{ connection: Connection; close(): void }> {
  const ws = await openWs(url);
  const connection = new ShareDBClient.Connection(ws as never) as Connection;
  return {
    connection,
    close: () => {
      connection.close();
      ws.terminate();
    },
  };
}
