/**
 * The ShareDB backend: presence on, json0 with presence transform, one submit queue per document,
 * and the access-control middleware. Identity comes only from `agent.custom` (set at connect from
 * the authenticated socket), never from op.src or anything the client says about itself.
 */
import ShareDB from 'sharedb';
import type { AccessControl } from '../auth/access.js';
import { RateLimiter } from '../auth/rate-limiter.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../log.js';
import { can } from '../protocol/roles.js';
import { COLLECTION_FILES, COLLECTION_SESSIONS, sessionOfDoc } from '../sessions/ids.js';
import type { ShareDBAdapter } from '../storage/types.js';
import { editedChars, stampAuthor } from './authorship.js';
import { CHUNK_THRESHOLD, ChunkedText } from './chunked-text.js';
import type { ClientIds } from './client-ids.js';
import type { Connection } from './docs.js';
import { type AgentIdentity, type AgentRequest, identityOf } from './identity.js';
import { registerServerTextType } from './text-type.js';
import { checkTextOpAgainst, checkTextOpShape, type OpLimits } from './validate-op.js';

registerServerTextType(ShareDB.types as unknown as Parameters<typeof registerServerTextType>[0]);

/** A text edit that reached the database, for typing indicators and commit authorship. */
export interface EditEvent {
  userId: string;
  sessionId: string;
  docId: string;
  /** Characters inserted plus deleted. */
  chars: number;
}

export interface BackendOptions {
  db: ShareDBAdapter;
  access: AccessControl;
  limits: OpLimits;
  logger: Logger;
  /** Issues and checks the ShareDB client ids (`src`) of user connections. */
  clientIds: ClientIds;
  /** Edits per second per user, with a burst; 0 disables. */
  opRate: { perSecond: number; burst: number };
  /** A ShareDB pubsub (Redis when several processes share a store); in-memory by default. */
  pubsub?: unknown;
  onEdit?: (e: EditEvent) => void;
  /**
   * Told of every op written to a file document, anyone's (the server's own too): its document
   * version before it applied, and its components. Live comment anchors move with it.
   */
  onFileOp?: (docId: string, v: number, op: unknown) => void;
  /**
   * Keep large texts chunked in server snapshots (embedded store only: its snapshot copies honour
   * ChunkedText, and its disk format is JSON; sharedb-mongo would store the object as it is).
   */
  chunkLargeText: boolean;
}

type Callback = (...args: unknown[]) => void;
/** An op as ShareDB hands it to middleware: an edit, a create or a delete. */
interface RawOp {
  op?: unknown;
  create?: unknown;
  del?: unknown;
}
interface SnapshotRejecter {
  rejectSnapshotRead(snapshot: unknown, error: Error): void;
}

/** Whether an agent may be sent ops of a document: calls `next()` if so, `next(error)` if not. */
type OpReadCheck = (agent: unknown, collection: string, id: string, next: (err?: unknown) => void) => void;

/** See QueuedBackend.submitObserver. */
export type SubmitObserver = (agent: unknown, ms: number, err: unknown) => void;

/** ShareDB internals the queued backend builds on (missing from its typings). */
interface BackendInternals {
  middleware: Record<string, unknown[] | undefined>;
  _sanitizeOp(
    agent: unknown,
    projection: unknown,
    collection: string,
    id: string,
    op: unknown,
    callback: (err?: unknown) => void,
  ): void;
  _sanitizeOps(
    agent: unknown,
    projection: unknown,
    collection: string,
    id: string,
    ops: unknown[],
    callback: (err?: unknown) => void,
  ): void;
}

/** ShareDB's own implementations of what QueuedBackend overrides. */
const base = ShareDB.prototype as unknown as BackendInternals;

/**
 * ShareDB retries a submit that lost a race on `commit`, without limit by default; with many
 * writers on one document that is most of the work. Queueing submits per document removes the
 * race (DESIGN.md, "One writer per document"); maxSubmitRetries stays as a backstop.
 */
class QueuedBackend extends ShareDB {
  private readonly queues = new Map<string, Array<() => void>>();
  /** Documents (`collection\u0000id`) that refuse every edit but the server's own: files being deleted. */
  private readonly sealed = new Set<string>();

  // @ts-expect-error sharedb's typings declare the public 4-argument submit; Agent calls this 6-argument one
  override submit(
    agent: unknown,
    index: string,
    id: string,
    op: unknown,
    options: unknown,
    callback: Callback,
  ): void {
    const received = performance.now();
    this.enqueue(`${index}\u0000${id}`, (done) =>
      // biome-ignore lint/suspicious/noExplicitAny: sharedb's typings omit the internal 6-argument submit
      (ShareDB.prototype.submit as any).call(this, agent, index, id, op, options, (...args: unknown[]) => {
        done();
        if (args[0] && index === COLLECTION_FILES) args[0] = deletedFileError(args[0]);
        this.submitObserver?.(agent, performance.now() - received, args[0]);
        callback(...args);
      }),
    );
  }

  /** Runs `run` once every submit queued before it on this document has finished. */
  private enqueue(key: string, run: (done: () => void) => void): void {
    const start = () =>
      run(() => {
        const queue = this.queues.get(key)!;
        queue.shift();
        if (queue.length > 0) queue[0]!();
        else this.queues.delete(key);
      });
    const queue = this.queues.get(key);
    if (queue) queue.push(start);
    else {
      this.queues.set(key, [start]);
      start();
    }
  }

  /**
   * Told of every submit once it is answered: how long since it arrived (ms, its wait in the
   * queue included) and the error it was refused with, if any. For metrics.
   */
  submitObserver: SubmitObserver | null = null;

  /**
   * Seals a document: from now on edits from clients are refused with ERR_FILE_DELETED, also those
   * already waiting in its submit queue. Resolves once every submit queued before the seal has
   * been written, so a read after it sees the document's last text.
   */
  seal(collection: string, id: string): Promise<void> {
    const key = `${collection}\u0000${id}`;
    this.sealed.add(key);
    return new Promise((resolve) =>
      this.enqueue(key, (done) => {
        done();
        resolve();
      }),
    );
  }

  /** Lifts a seal (the deletion it guarded did not happen). */
  unseal(collection: string, id: string): void {
    this.sealed.delete(`${collection}\u0000${id}`);
  }

  isSealed(collection: string, id: string): boolean {
    return this.sealed.has(`${collection}\u0000${id}`);
  }

  /**
   * The read check every op passes before it is sent to a client. It runs for every op delivered
   * to every subscriber, so it is called directly rather than as `op` middleware (ShareDB's
   * middleware chain allocates a request and a closure per call). It depends on the agent and the
   * document, never on the op. Any `op` middleware and projections still run after it.
   */
  opReadCheck: OpReadCheck | null = null;

  /** Whether ops need ShareDB's own sanitizing after the read check. */
  private needsBaseSanitize(projection: unknown): boolean {
    const { middleware } = this as unknown as BackendInternals;
    return Boolean(projection) || (middleware.op?.length ?? 0) > 0;
  }

  _sanitizeOp(
    agent: unknown,
    projection: unknown,
    collection: string,
    id: string,
    op: unknown,
    callback: (err?: unknown) => void,
  ): void {
    const check = this.opReadCheck;
    if (!check) {
      base._sanitizeOp.call(this, agent, projection, collection, id, op, callback);
      return;
    }
    check(agent, collection, id, (err) => {
      if (err) callback(err);
      else if (this.needsBaseSanitize(projection)) {
        base._sanitizeOp.call(this, agent, projection, collection, id, op, callback);
      } else callback();
    });
  }

  /**
   * Before a client is sent ops it asked for or missed (hundreds, for a submit that arrives far
   * behind in a crowd), ShareDB sanitizes each op in a tick of its own. The read check does not
   * depend on the op, so one run per batch gives the same answer.
   */
  _sanitizeOps(
    agent: unknown,
    projection: unknown,
    collection: string,
    id: string,
    ops: unknown[],
    callback: (err?: unknown) => void,
  ): void {
    const check = this.opReadCheck;
    if (!check || ops.length <= 1 || this.needsBaseSanitize(projection)) {
      base._sanitizeOps.call(this, agent, projection, collection, id, ops, callback);
      return;
    }
    check(agent, collection, id, (err) => process.nextTick(callback, err));
  }
}

/** Session ids of file documents, parsed once per id: the read check runs for every delivered op. */
const sessionOfFile = new Map<string, string | null>();
function sessionOfDocCached(collection: string, docId: unknown): string | null {
  if (collection !== COLLECTION_FILES || typeof docId !== 'string') return sessionOfDoc(collection, docId);
  let sessionId = sessionOfFile.get(docId);
  if (sessionId === undefined) {
    sessionId = sessionOfDoc(collection, docId);
    if (sessionOfFile.size >= 10_000) sessionOfFile.clear();
    sessionOfFile.set(docId, sessionId);
  }
  return sessionId;
}

const forbidden = () => new AppError('ERR_FORBIDDEN', 'You do not have access to this document.');
const fileDeleted = () =>
  new AppError('ERR_FILE_DELETED', 'This file was deleted; your edit was not applied to the shared copy.');

/**
 * ShareDB's own refusals of an edit to a deleted document (transformed through the delete, or
 * submitted after it) as the stable code clients know: the file was deleted, not a server fault.
 */
function deletedFileError(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  return code === 'ERR_DOC_WAS_DELETED' || code === 'ERR_DOC_DOES_NOT_EXIST' ? fileDeleted() : err;
}

/** Sealing documents that are about to be deleted (see QueuedBackend.seal). */
export interface DocSeals {
  seal(collection: string, id: string): Promise<void>;
  unseal(collection: string, id: string): void;
}

/** The server's ShareDB backend. */
export type GitpadBackend = ShareDB & DocSeals;

export function createBackend(options: BackendOptions): GitpadBackend {
  const { access, limits, logger } = options;
  ShareDB.logger.setMethods({
    info: (...a: unknown[]) => logger.debug(`sharedb: ${a.map(String).join(' ')}`),
    warn: (...a: unknown[]) => logger.warn(`sharedb: ${a.map(String).join(' ')}`),
    error: (...a: unknown[]) => logger.warn(`sharedb: ${a.map(String).join(' ')}`),
  });
  const backend = new QueuedBackend({
    db: options.db,
    presence: true,
    doNotForwardSendPresenceErrorsToClient: true,
    maxSubmitRetries: 50,
    // biome-ignore lint/suspicious/noExplicitAny: pubsub adapters are untyped
    ...(options.pubsub ? { pubsub: options.pubsub as any } : {}),
  });
  const opLimiter = new RateLimiter(options.opRate, 'edits');

  /**
   * Whether `identity` may read the document, answered from the role cache when it can be (the
   * hot path: every op delivered to every subscriber asks), else undefined.
   */
  const mayReadCached = (
    identity: AgentIdentity,
    collection: string,
    docId: unknown,
  ): boolean | undefined => {
    if (identity.kind === 'server') return true;
    if (identity.kind !== 'user') return false;
    const sessionId = sessionOfDocCached(collection, docId);
    if (!sessionId) return false;
    const cached = access.cachedRole(identity.user.id, sessionId);
    return cached === undefined ? undefined : can(cached, 'session.read');
  };

  /** Whether `identity` may read documents of the doc's session. */
  const mayRead = async (identity: AgentIdentity, collection: string, docId: unknown): Promise<boolean> => {
    const quick = mayReadCached(identity, collection, docId);
    if (quick !== undefined) return quick;
    const sessionId = sessionOfDoc(collection, docId)!;
    const role = await access.roleOf((identity as { user: { id: string } }).user.id, sessionId);
    return can(role, 'session.read');
  };

  /** Middleware continuation for a read check: synchronous when the answer is cached. */
  const checkRead = (
    identity: AgentIdentity,
    collection: string,
    docId: unknown,
    next: (err?: unknown) => void,
  ) => {
    const quick = mayReadCached(identity, collection, docId);
    if (quick !== undefined) return next(quick ? undefined : forbidden());
    mayRead(identity, collection, docId).then((ok) => next(ok ? undefined : forbidden()), next);
  };

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

  backend.use('submit', (ctx, next) => {
    const identity = identityOf(ctx.agent);
    if (identity.kind === 'server') {
      // Metadata the server's own `submitAt` carries (ShareDB resets `op.m` on arrival).
      const meta = (ctx as unknown as { options?: { meta?: Record<string, unknown> } }).options?.meta;
      if (meta) {
        const op = ctx.op as { m?: Record<string, unknown> };
        op.m = { ...op.m, ...meta };
      }
      return next();
    }
    if (identity.kind !== 'user') return next(forbidden());
    const { collection, id } = ctx;
    const op = ctx.op as RawOp;
    const sessionId = sessionOfDoc(collection, id);
    if (!sessionId) return next(forbidden());
    access.roleOf(identity.user.id, sessionId).then((role) => {
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
      if (backend.isSealed(collection, id)) return next(fileDeleted());
      try {
        checkTextOpShape(op.op, limits);
      } catch (err) {
        return next(err);
      }
      if (!opLimiter.tryTake(identity.user.id)) {
        return next(new AppError('ERR_RATE_LIMITED', 'Too many edits at once. Slow down a little.'));
      }
      // Who typed it, durable with the op (authorship.ts): commit authors survive a crash.
      stampAuthor(ctx.op as { m?: Record<string, unknown> }, identity.user.id);
      next();
    }, next);
  });

  // After transform, against the exact text the op will change: offsets, surrogates, sizes.
  backend.use('apply', (ctx, next) => {
    const identity = identityOf(ctx.agent);
    const op = ctx.op as RawOp;
    if (ctx.collection !== COLLECTION_FILES || !op.op) return next();
    const data = ctx.snapshot?.data as { text?: unknown } | undefined;
    let text = data?.text;
    if (options.chunkLargeText && typeof text === 'string' && text.length >= CHUNK_THRESHOLD) {
      // From here on this document's server snapshots hold chunks (see chunked-text.ts).
      text = new ChunkedText(text);
      data!.text = text;
    }
    if (identity.kind === 'server') return next();
    // Sealed after this op passed `submit` (it waited in the queue behind the seal), or gone.
    if (backend.isSealed(ctx.collection, ctx.id)) return next(fileDeleted());
    if (typeof text !== 'string' && !(text instanceof ChunkedText)) return next(fileDeleted());
    try {
      checkTextOpAgainst(text, op.op as Parameters<typeof checkTextOpAgainst>[1], limits);
      next();
    } catch (err) {
      next(err);
    }
  });

  backend.use('afterWrite', (ctx, next) => {
    const identity = identityOf(ctx.agent);
    const ops = (ctx.op as RawOp).op;
    const v = (ctx.op as { v?: unknown }).v;
    if (options.onFileOp && ctx.collection === COLLECTION_FILES && ops && typeof v === 'number') {
      options.onFileOp(ctx.id, v, ops);
    }
    if (options.onEdit && identity.kind === 'user' && ctx.collection === COLLECTION_FILES && ops) {
      const sessionId = sessionOfDoc(ctx.collection, ctx.id);
      const chars = editedChars(ops);
      if (sessionId) options.onEdit({ userId: identity.user.id, sessionId, docId: ctx.id, chars });
    }
    next();
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
        Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= limits.maxFileChars;
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

  return backend as unknown as GitpadBackend;
}

function publicFields(identity: { user: { username: string; displayName: string; color: string } }) {
  const { username, displayName, color } = identity.user;
  return { username, displayName, color };
}

/** Calls `observer` as each submit to `backend` (made by createBackend) is answered. */
export function observeSubmits(backend: ShareDB, observer: SubmitObserver): void {
  (backend as unknown as QueuedBackend).submitObserver = observer;
}

/** An in-process connection with full rights, for the server's own reads and writes. */
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

export function serverConnection(backend: ShareDB): Connection {
  const req: AgentRequest = { identity: { kind: 'server' } };
  return backend.connect(undefined, req);
}

export { COLLECTION_FILES, COLLECTION_SESSIONS };
