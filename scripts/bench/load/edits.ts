/** Plain edits for the git scenario: change some files through ShareDB, or edit-and-save in a loop. */
import { FullClient, fetchDoc, now, submitOp } from '../clients.js';
import { api } from '../rest.js';

export const editHandlers = {
  /** Inserts a line at the top of each document. */
  async 'edit.files'(job: { url: string; token: string; c: string; docs: string[]; line: string }) {
    const client = await FullClient.connect(job.url, job.token);
    try {
      await Promise.all(
        job.docs.map(async (d) => {
          const doc = client.doc(job.c, d);
          await fetchDoc(doc);
          await submitOp(doc, [{ p: ['text', 0], si: job.line }]);
        }),
      );
    } finally {
      client.close();
    }
    return null;
  },

  /** `count` times: an edit, then "Save version" (POST /versions). Returns each save's time. */
  async 'edit.commitLoop'(job: {
    url: string;
    token: string;
    sessionId: string;
    c: string;
    d: string;
    count: number;
  }) {
    const client = await FullClient.connect(job.url, job.token);
    const saves: number[] = [];
    try {
      const doc = client.doc(job.c, job.d);
      await fetchDoc(doc);
      for (let i = 0; i < job.count; i++) {
        const text = (doc.data as { text: string }).text;
        await submitOp(doc, [{ p: ['text', text.length], si: `line ${i}\n` }]);
        const t = now();
        const r = await api(job.url, 'POST', `/api/sessions/${job.sessionId}/versions`, {
          token: job.token,
          body: { message: `edit ${i}` },
        });
        if (!r.sha || r.unchanged) throw new Error(`save ${i} made no commit: ${JSON.stringify(r)}`);
        saves.push(now() - t);
      }
    } finally {
      client.close();
    }
    return { saves };
  },
};
