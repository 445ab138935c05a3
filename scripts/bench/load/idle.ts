/**
 * Idle clients: connected, handshaken, joined to a session and subscribed to one of its files,
 * then doing nothing (a tab left open). For the server's memory per connected client.
 */
import type { RawLink } from '../clients.js';
import { inBatches, rawClient } from './fleet.js';

const links: RawLink[] = [];

export const idleHandlers = {
  async 'idle.connect'(job: {
    url: string;
    token: string;
    c: string;
    d: string;
    sessionId: string;
    count: number;
  }) {
    const made = await inBatches(job.count, 25, async () => {
      const { link } = await rawClient(job.url, job.token, job.c, job.d);
      const ack = await link.socket.timeout(30_000).emitWithAck('session:join', { sessionId: job.sessionId });
      if (!ack?.ok) throw new Error(`session:join refused: ${JSON.stringify(ack)}`);
      return link;
    });
    links.push(...made);
    return { connected: links.filter((l) => l.socket.connected).length };
  },

  'idle.count'() {
    return { connected: links.filter((l) => l.socket.connected).length };
  },

  'idle.close'() {
    for (const l of links.splice(0)) l.close();
    return null;
  },
};
