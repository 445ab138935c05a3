/**
 * Cold open: a new client connects and subscribes to a file; the time until ShareDB's client holds
 * the full text (connect + handshake + snapshot). Also seeds a file's history for it: one-character
 * inserts sent over the raw protocol with explicit versions, many in flight at once (the server
 * queues submits per document, so each lands on exactly the version it names).
 */
import { FullClient, now, RawLink, subscribeDoc } from '../clients.js';

export const coldOpenHandlers = {
  async 'coldopen.open'(job: { url: string; token: string; c: string; d: string }) {
    const start = now();
    const client = await FullClient.connect(job.url, job.token);
    const connected = now();
    try {
      const doc = client.doc(job.c, job.d);
      await subscribeDoc(doc);
      const done = now();
      return {
        ms: done - start,
        connectMs: connected - start,
        length: (doc.data as { text: string }).text.length,
        version: doc.version,
      };
    } finally {
      client.close();
    }
  },

  /** Submits `count` one-character inserts to a file at version `v` of length `length`. */
  async 'seed.ops'(job: {
    url: string;
    token: string;
    c: string;
    d: string;
    v: number;
    length: number;
    count: number;
  }) {
    const link = await RawLink.connect(job.url, job.token);
    const WINDOW = 500;
    let sent = 0;
    let acked = 0;
    let failed = '';
    let length = job.length;
    const start = now();
    try {
      await new Promise<void>((resolve, reject) => {
        const pump = () => {
          while (sent < job.count && sent - acked < WINDOW) {
            const pos = Math.floor(Math.random() * (length + 1));
            const ch = String.fromCharCode(97 + (sent % 26));
            link.send({
              a: 'op',
              c: job.c,
              d: job.d,
              v: job.v + sent,
              src: link.src,
              seq: link.nextSeq(),
              op: [{ p: ['text', pos], si: ch }],
            });
            length++;
            sent++;
          }
        };
        link.socket.on('sharedb', (data: unknown) => {
          for (const m of (Array.isArray(data) ? data : [data]) as Array<{
            a: string;
            src?: string;
            error?: { message: string };
          }>) {
            if (m.a !== 'op' || m.src !== link.src) continue;
            if (m.error) {
              failed = m.error.message;
              reject(new Error(`seeding failed: ${failed}`));
              return;
            }
            acked++;
          }
          if (acked === job.count) resolve();
          else pump();
        });
        link.socket.on('disconnect', () => reject(new Error('disconnected while seeding')));
        pump();
      });
    } finally {
      link.close();
    }
    return { ops: acked, ms: now() - start, length };
  },
};
