/**
 * The server's own connection to its backend (full rights, identity `server`), and submits at an
 * old version with metadata stored in the op (`submitAt`).
 */
import type ShareDB from 'sharedb';
import type { Connection } from './docs.js';
import { type AgentRequest, identityOf } from './identity.js';

/** Keeps the metadata the server's own `submitAt` carries (ShareDB resets `op.m` on arrival). */
export function installServerMeta(backend: Pick<ShareDB, 'use'>): void {
  backend.use('submit', (ctx, next) => {
    if (identityOf(ctx.agent).kind !== 'server') return next();
    const meta = (ctx as unknown as { options?: { meta?: Record<string, unknown> } }).options?.meta;
    if (meta) {
      const op = ctx.op as { m?: Record<string, unknown> };
      op.m = { ...op.m, ...meta };
    }
    next();
  });
}

/**
 * Submits `op` on the server's connection at document version `v` (which may be old: ShareDB
 * transforms it through every op committed since, as it does a client's), with `meta` stored in
 * the op's metadata. A git push lands this way (versions/push.ts).
 */
export function submitAt(
  backend: ShareDB,
  conn: Connection,
  collection: string,
  id: string,
  v: number,
  op: unknown,
  meta: Record<string, unknown>,
): Promise<void> {
  return new Promise((resolve, reject) =>
    // biome-ignore lint/suspicious/noExplicitAny: sharedb's typings omit the internal 6-argument submit
    (backend as any).submit(conn.agent, collection, id, { v, op }, { meta }, (err: unknown) =>
      err ? reject(err) : resolve(),
    ),
  );
}

/** An in-process connection with full rights, for the server's own reads and writes. */
export function serverConnection(backend: ShareDB): Connection {
  const req: AgentRequest = { identity: { kind: 'server' } };
  return backend.connect(undefined, req);
}
