/**
 * The common half of every peer server process (peers/*-server.ts): answers the runner's `stats`
 * calls with the process's own CPU time and memory (the same `ServerStats` the Gitpad server
 * reports), `gc`, `createDoc` and `shutdown`, and announces its port. Peers are other projects'
 * servers run with their default settings; this file adds nothing to their work but the IPC.
 */
import { processStats, serveIpc } from '../ipc.js';

export interface PeerServer {
  port: number;
  /** Creates (or replaces) the document `name` holding `text`. */
  createDoc(name: string, text: string): Promise<void>;
  /** Submits the server finished, where it counts them (ShareDB); 0 elsewhere. */
  submits(): number;
  close(): Promise<void>;
}

export function servePeer(server: PeerServer): void {
  serveIpc({
    stats: () => processStats(server.submits()),
    gc: () => {
      globalThis.gc?.();
      return processStats(server.submits());
    },
    createDoc: async ({ d, text }: { d: string; text: string }) => {
      await server.createDoc(d, text);
      return null;
    },
    shutdown: async () => {
      await server.close();
      setImmediate(() => process.exit(0));
      return null;
    },
  });
  process.send?.({ type: 'listening', port: server.port });
}
