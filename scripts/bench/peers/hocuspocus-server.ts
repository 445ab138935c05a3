/**
 * Peer: a Hocuspocus server (Yjs) with its default configuration, in its own process. With
 * `PEER_SQLITE_FILE` set it runs `@hocuspocus/extension-sqlite` on that file (which stores the
 * document on Hocuspocus's debounce, 2 s by default, not per edit). Documents are seeded through a
 * direct connection that stays open, so a document without persistence is not unloaded between
 * the seeding and the clients' arrival.
 */

import { SQLite } from '@hocuspocus/extension-sqlite';
import { type DirectConnection, Server } from '@hocuspocus/server';
import { servePeer } from './serve.js';

const sqliteFile = process.env.PEER_SQLITE_FILE;
const server = new Server({
  port: 0,
  address: '127.0.0.1',
  quiet: true,
  stopOnSignals: false,
  extensions: sqliteFile ? [new SQLite({ database: sqliteFile })] : [],
});
await server.listen();
const seeders: DirectConnection[] = [];

servePeer({
  port: server.address.port,
  async createDoc(name, text) {
    const connection = await server.hocuspocus.openDirectConnection(name);
    await connection.transact((doc) => {
      const ytext = doc.getText('text');
      ytext.delete(0, ytext.length);
      ytext.insert(0, text);
    });
    seeders.push(connection);
  },
  submits: () => 0,
  async close() {
    for (const c of seeders) await c.disconnect().catch(() => undefined);
    await server.destroy();
  },
});
