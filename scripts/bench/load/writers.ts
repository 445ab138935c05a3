/**
 * Closed-loop writers: lightweight clients, each subscribed to the same file and submitting the
 * next edit (a 1–4 letter insert at a random offset) as soon as the previous one is
 * acknowledged. Throughput is acknowledgements in the measurement window.
 */
import { now, type RawDoc, type RawLink } from '../clients.js';
import { inBatches, maxVersions, processCpu, rawClient, syncDocs } from './fleet.js';

interface Writer {
  link: RawLink;
  doc: RawDoc;
  inserted: number;
  loop?: Promise<void>;
}

const state = {
  writers: [] as Writer[],
  running: false,
  window: { from: 0, to: 0 },
  acks: 0,
  latencies: [] as number[],
  errors: [] as string[],
};

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

async function loop(w: Writer): Promise<void> {
  while (state.running) {
    const len = 1 + Math.floor(Math.random() * 4);
    let word = '';
    for (let i = 0; i < len; i++) word += LETTERS[Math.floor(Math.random() * 26)];
    const pos = Math.floor(Math.random() * (w.doc.length + 1));
    try {
      const r = await w.doc.submit([{ p: ['text', pos], si: word }], len);
      w.inserted += len;
      if (r.ackAt >= state.window.from && r.ackAt <= state.window.to) {
        state.acks++;
        if (r.sentAt >= state.window.from) state.latencies.push(r.ackAt - r.sentAt);
      }
    } catch (err) {
      state.errors.push((err as Error).message);
      if (state.errors.length > 100) state.running = false;
    }
  }
}

export const writerHandlers = {
  async 'writers.setup'({
    url,
    writers,
  }: {
    url: string;
    writers: Array<{ token: string; c: string; d: string }>;
  }) {
    state.writers = await inBatches(writers.length, 25, async (i) => {
      const { link, doc } = await rawClient(url, writers[i]!.token, writers[i]!.c, writers[i]!.d);
      return { link, doc, inserted: 0 };
    });
    return { writers: state.writers.length };
  },

  'writers.start'({ at, from, to }: { at: number; from: number; to: number }) {
    state.window = { from, to };
    state.acks = 0;
    state.latencies = [];
    state.running = true;
    setTimeout(
      () => {
        for (const w of state.writers) w.loop = loop(w);
      },
      Math.max(0, at - now()),
    );
    return null;
  },

  async 'writers.stop'() {
    state.running = false;
    await Promise.all(state.writers.map((w) => w.loop));
    return { versions: maxVersions(state.writers.map((w) => w.doc)) };
  },

  'writers.sync'({ targets, timeoutMs }: { targets: Record<string, number>; timeoutMs: number }) {
    return syncDocs(
      state.writers.map((w) => w.doc),
      targets,
      timeoutMs,
    );
  },

  'writers.collect'() {
    return {
      acks: state.acks,
      latencies: state.latencies,
      inserted: state.writers.reduce((s, w) => s + w.inserted, 0),
      lengths: state.writers.map((w) => w.doc.length),
      versions: state.writers.map((w) => w.doc.version),
      errors: state.errors.slice(0, 20),
      errorCount: state.errors.length,
      cpu: processCpu(),
    };
  },

  'writers.close'() {
    state.running = false;
    for (const w of state.writers) w.link.close();
    state.writers = [];
    state.errors = [];
    return null;
  },
};
