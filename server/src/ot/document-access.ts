/**
 * Who may do what with documents. Identity comes only from `agent.custom`, set at connect from the
 * authenticated socket, never from op.src or anything the client says about itself: reads
 * (snapshots, ops sent to subscribers, presence) need read access to the document's session,
 * edits need write access, queries are the server's alone, and a cursor is stamped with the
 * sender's public name so it cannot be spoofed.
 */
import type { AccessControl } from '../auth/access.js';
import { AppError } from '../errors/app-error.js';
import { COLLECTION_FILES, sessionOfDoc } from '../protocol/doc-ids.js';
import { can, type Role } from '../protocol/roles.js';
import type { ClientIds } from './client-ids.js';
import { type AgentIdentity, type AgentRequest, identityOf } from './identity.js';
import { forbidden } from './refusals.js';
import type { QueuedBackend } from './submit-queue.js';

interface SnapshotRejecter {
  rejectSnapshotRead(snapshot: unknown, error: Error): void;
}

/**
 * Session ids of file documents, parsed once per id: the read check runs for every delivered op.
 * One per backend, bounded.
 */
class SessionOfDocCache {
  private readonly byDocId = new Map<string, string | null>();

  get(collection: string, docId: unknown): string | null {
    if (collection !== COLLECTION_FILES || typeof docId !== 'string') return sessionOfDoc(collection, docId);
    let sessionId = this.byDocId.get(docId);
    if (sessionId === undefined) {
      sessionId = sessionOfDoc(collection, docId);
      if (this.byDocId.size >= 10_000) this.byDocId.clear();
      this.byDocId.set(docId, sessionId);
    }
    return sessionId;
  }
}

export interface AccessOptions {
  access: AccessControl;
  /** Issues and checks the ShareDB client ids (`src`) of user connections. */
  clientIds: ClientIds;
  /** Largest offset a cursor may name. */
  maxFileChars: number;
}

export function installDocumentAccess(backend: QueuedBackend, options: AccessOptions): void {
  const { access } = options;
  const sessions = new SessionOfDocCache();

  /**
   * Calls `use` with the user's role in the session: synchronously from the role cache when it is
   * there (the hot path: every op delivered to every subscriber, and every edit, asks), from the
   * store otherwise (`fail` on a store error).
   */
  const withRole = (
    userId: string,
    sessionId: string,
    use: (role: Role | null) => void,
    fail: (err: unknown) => void,
  ): void => {
    const cached = access.cachedRole(userId, sessionId);
    if (cached !== undefined) use(cached);
    else access.roleOf(userId, sessionId).then(use, fail);
  };

  /** Middleware continuation for a read check of the doc's session: `next()` or `next(forbidden)`. */
  const checkRead = (
    identity: AgentIdentity,
    collection: string,
    docId: unknown,
    next: (err?: unknown) => void,
  ) => {
    if (identity.kind === 'server') return next();
    const sessionId = identity.kind === 'user' ? sessions.get(collection, docId) : null;
    if (identity.kind !== 'user' || !sessionId) return next(forbidden());
    withRole(
      identity.user.id,
      sessionId,
      (role) => next(can(role, 'session.read') ? undefined : forbidden()),
      next,
    );
  };

  const isForbidden = (err: unknown) => err instanceof AppError && err.code === 'ERR_FORBIDDEN';

  /** Whether `identity` may read documents of the doc's session (a store error rejects). */
  const mayRead = (identity: AgentIdentity, collection: string, docId: unknown): Promise<boolean> =>
    new Promise((resolve, reject) =>
      checkRead(identity, collection, docId, (err) =>
        err === undefined ? resolve(true) : isForbidden(err) ? resolve(false) : reject(err),
      ),
    );

  backend.use('connect', (ctx, next) => {
    const req = ctx.req as AgentRequest | undefined;
    const identity = req?.identity ?? { kind: 'anonymous' };
    ctx.agent.custom = { identity };
    // Sent to the client in the handshake reply; see client-ids.ts.
    if (identity.kind === 'user') ctx.agent.clientId = options.clientIds.issue(identity.user.id);
    next();
  });

  // The identity fields of a message (`src`, `seq`) before ShareDB acts on them (issue 19).
  backend.use('receive', (ctx, next) => {
    const identity = identityOf(ctx.agent);
    if (identity.kind !== 'user') return next();
    const m = ctx.data as { a?: unknown; id?: unknown; src?: unknown; seq?: unknown };
    const userId = identity.user.id;
    if (m.a === 'hs') {
      // A handshake names the client's previous id to keep it; one not issued to this user is
      // ignored, and the connection gets its own signed id instead.
      if (m.id != null && !options.clientIds.belongsTo(m.id, userId)) m.id = null;
    } else if (m.a === 'op') {
      if (m.seq != null && !(Number.isSafeInteger(m.seq) && (m.seq as number) > 0)) {
        return next(new AppError('ERR_VALIDATION', 'An op’s seq is a positive whole number.'));
      }
      const own = (ctx.agent as unknown as { _src(): string })._src();
      if (m.src != null && m.src !== own && !options.clientIds.belongsTo(m.src, userId)) {
        return next(new AppError('ERR_FORBIDDEN', 'This op carries another connection’s identity.'));
      }
    }
    next();
  });

  backend.use('readSnapshots', (ctx, next) => {
    const identity = identityOf(ctx.agent);
    if (identity.kind === 'server') return next();
    Promise.all(
      ctx.snapshots.map(async (snapshot) => {
        if (!(await mayRead(identity, ctx.collection, snapshot.id))) {
          // rejectSnapshotRead is missing from sharedb's typings
          (ctx as unknown as SnapshotRejecter).rejectSnapshotRead(snapshot, forbidden());
        }
      }),
    ).then(() => next(), next);
  });

  // Ops fetched on reconnect and ops pushed to subscribers: a member removed mid-session stops
  // receiving them at once (QueuedBackend.opReadCheck).
  backend.opReadCheck = (agent, collection, id, next) =>
    checkRead(identityOf(agent as Parameters<typeof identityOf>[0]), collection, id, next);

  backend.use('query', (ctx, next) => {
    if (identityOf(ctx.agent).kind === 'server') return next();
    next(
      new AppError(
        'ERR_FORBIDDEN',
        'Queries are not available to clients; the session manifest lists files.',
      ),
    );
  });

  // Who may edit: writers of the session, text edits only (the file list changes through REST).
  backend.use('submit', (ctx, next) => {
    const identity = identityOf(ctx.agent);
    if (identity.kind === 'server') return next();
    if (identity.kind !== 'user') return next(forbidden());
    const { collection, id } = ctx;
    const op = ctx.op as { create?: unknown; del?: unknown };
    const sessionId = sessions.get(collection, id);
    if (!sessionId) return next(forbidden());
    const decide = (role: Role | null) => {
      if (!can(role, 'session.read')) return next(forbidden());
      if (!can(role, 'session.write')) {
        return next(new AppError('ERR_FORBIDDEN', 'Your role in this session is read-only.'));
      }
      if (collection !== COLLECTION_FILES) {
        return next(new AppError('ERR_FORBIDDEN', 'The file list changes only through the REST API.'));
      }
      if (op.create || op.del) {
        return next(new AppError('ERR_FORBIDDEN', 'Files are created and deleted through the REST API.'));
      }
      next();
    };
    // Every edit passes here: no promise and no microtask when the role is cached.
    withRole(identity.user.id, sessionId, decide, next);
  });

  backend.use('receivePresence', (ctx, next) => {
    const identity = identityOf(ctx.agent);
    const presence = ctx.presence as { c: string; d: string; p: unknown };
    if (identity.kind === 'server') return next();
    if (identity.kind !== 'user') return next(forbidden());
    mayRead(identity, presence.c, presence.d).then((ok) => {
      if (!ok) return next(forbidden());
      if (presence.p === null) return next();
      const p = presence.p as { anchor?: unknown; head?: unknown };
      const valid = (n: unknown) =>
        Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= options.maxFileChars;
      if (typeof p !== 'object' || p === null || !valid(p.anchor) || !valid(p.head)) {
        return next(new AppError('ERR_VALIDATION', 'A cursor is {anchor, head} with offsets into the text.'));
      }
      // Stamped here so names and colours cannot be spoofed; anything else the client sent is dropped.
      presence.p = {
        anchor: p.anchor,
        head: p.head,
        user: { userId: identity.user.id, ...publicFields(identity) },
      };
      next();
    }, next);
  });

  backend.use('sendPresence', (ctx, next) => {
    const presence = ctx.presence as { c: string; d: string };
    checkRead(identityOf(ctx.agent), presence.c, presence.d, next);
  });
}

function publicFields(identity: { user: { username: string; displayName: string; color: string } }) {
  const { username, displayName, color } = identity.user;
  return { username, displayName, color };
}
