/**
 * Starting a peer server (peers/*-server.ts) as its own child process, as an `Endpoint` like the
 * Gitpad server and the floor, so the scenarios that drive Gitpad can drive a peer unchanged.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Child } from '../ipc.js';
import type { Endpoint } from '../targets.js';
import { peerUrl, type SystemName, wireOf } from './systems.js';

const SCRIPTS: Record<Exclude<SystemName, 'gitpad'>, string> = {
  hocuspocus: './peers/hocuspocus-server.ts',
  'hocuspocus-sqlite': './peers/hocuspocus-server.ts',
  'y-websocket': './peers/y-websocket-server.ts',
  sharedb: './peers/sharedb-server.ts',
};

export async function startPeer(system: Exclude<SystemName, 'gitpad'>): Promise<Endpoint> {
  const dir =
    system === 'hocuspocus-sqlite' ? fs.mkdtempSync(path.join(os.tmpdir(), 'gitpad-bench-peer-')) : null;
  const { child, ready } = await Child.start(SCRIPTS[system], {
    label: `${system} server`,
    readyType: 'listening',
    nodeArgs: ['--expose-gc'],
    env: {
      NODE_ENV: 'production',
      ...(dir ? { PEER_SQLITE_FILE: path.join(dir, 'hocuspocus.sqlite') } : {}),
    },
  });
  const wire = wireOf(system) as Exclude<ReturnType<typeof wireOf>, 'gitpad'>;
  let docSeq = 0;
  return {
    kind: 'peer',
    system,
    url: peerUrl(wire, ready.port),
    child,
    stats: () => child.call('stats'),
    gcStats: () => child.call('gc'),
    async prepareDoc(text, clients) {
      const d = `doc${++docSeq}`;
      await child.call('createDoc', { d, text });
      return { c: 'files', d, tokens: Array.from({ length: clients }, () => 'peer') };
    },
    async stop() {
      await child.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
