/** Helpers shared by the lightweight client fleets of a load generator process. */
import { type RawDoc, RawLink } from '../clients.js';

/** Connects `count` things a few at a time (a burst of hundreds of handshakes is its own test). */
export async function inBatches<T>(
  count: number,
  batch: number,
  make: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += batch) {
    out.push(
      ...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => make(i + j)))),
    );
  }
  return out;
}

/** A subscribed lightweight client on one document. */
export async function rawClient(url: string, token: string, c: string, d: string) {
  const link = await RawLink.connect(url, token);
  const doc = link.doc(c, d);
  await doc.subscribe();
  return { link, doc };
}

export const docKey = (doc: { c: string; d: string }) => `${doc.c}/${doc.d}`;

/** The highest version any of `docs` has reached, per document. */
export function maxVersions(docs: RawDoc[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const doc of docs) out[docKey(doc)] = Math.max(out[docKey(doc)] ?? 0, doc.version);
  return out;
}

/** Waits until each of `docs` has applied every op below its document's target version. */
export async function syncDocs(
  docs: RawDoc[],
  targets: Record<string, number>,
  timeoutMs: number,
): Promise<{ ok: boolean; behind: number }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const all = Promise.all(docs.map((doc) => doc.reach(targets[docKey(doc)] ?? 0))).then(() => 'ok' as const);
  const outcome = await Promise.race([all, timeout]);
  clearTimeout(timer);
  const behind = docs.filter((doc) => doc.version < (targets[docKey(doc)] ?? 0)).length;
  return { ok: outcome === 'ok' && behind === 0, behind };
}

export function processCpu() {
  const c = process.cpuUsage();
  return { cpuUs: c.user + c.system, wallMs: performance.now() };
}
