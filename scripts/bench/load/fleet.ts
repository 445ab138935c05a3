/** Helpers shared by the lightweight client fleets of a load generator process. */
import type { Socket } from 'socket.io-client';
import { RawLink, type RemoteOp, type TextOp } from '../clients.js';
import { isYjs, parseUrl } from '../peers/systems.js';
import { YLink } from '../peers/yjs-link.js';
import { YRawDoc, YRawLink } from '../peers/yjs-raw.js';

/** A lightweight client's connection: `RawLink` (ShareDB protocol) or `YRawLink` (Yjs peers). */
export interface FleetLink {
  readonly src: string;
  /** Gitpad only: the socket.io socket (session events). */
  readonly socket?: Socket;
  close(): void;
}

/** A lightweight client's document: `RawDoc` or `YRawDoc`. */
export interface FleetDoc {
  readonly c: string;
  readonly d: string;
  version: number;
  readonly length: number;
  readonly busy: boolean;
  onRemote: ((op: RemoteOp, at: number) => void) | null;
  peekSeq(): number;
  submit(op: TextOp, delta: number): Promise<{ sentAt: number; ackAt: number; v: number; seq: number }>;
  reach(v: number): Promise<void>;
  /**
   * Yjs typists only: characters this client inserted. With no server-assigned versions, the final
   * version (every client's clock summed) is the seeded text plus everything every typist authored.
   */
  readonly authored?: number;
}

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

/** A subscribed lightweight client on one document (Gitpad's protocol, or stock ShareDB's). */
export async function rawClient(url: string, token: string, c: string, d: string) {
  const link = await RawLink.connect(url, token);
  const doc = link.doc(c, d);
  await doc.subscribe();
  return { link, doc };
}

/** A lightweight crowd client in the protocol the URL names: ShareDB's or a Yjs peer's. */
export async function fleetClient(
  url: string,
  token: string,
  c: string,
  d: string,
): Promise<{ link: FleetLink; doc: FleetDoc }> {
  const target = parseUrl(url);
  if (isYjs(target.wire)) {
    const y = await YLink.connect({ url: target.url, dialect: target.wire, docName: d, mode: 'light' });
    return { link: new YRawLink(y), doc: new YRawDoc(y, c, d) };
  }
  return rawClient(url, token, c, d);
}

export const docKey = (doc: { c: string; d: string }) => `${doc.c}/${doc.d}`;

/** The highest version any of `docs` has reached, per document. */
export function maxVersions(docs: FleetDoc[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const doc of docs) out[docKey(doc)] = Math.max(out[docKey(doc)] ?? 0, doc.version);
  return out;
}

/** Waits until each of `docs` has applied every op below its document's target version. */
export async function syncDocs(
  docs: FleetDoc[],
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
