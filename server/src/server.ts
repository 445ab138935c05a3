/**
 * The composition root: builds the store, ShareDB backend, services, Koa app and socket.io from a
 * config, and returns `{listen, close}`. Nothing starts on import; tests run it on port 0.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ActivityLog, ActivityRecording } from './activity/log.js';
import { MentionService } from './activity/mentions.js';
import { AdminService } from './admin/service.js';
import { AccessControl } from './auth/access.js';
import { LoginThrottle, type LoginThrottleLimits } from './auth/login-throttle.js';
import { dummyPasswordHash } from './auth/passwords.js';
import { RateLimiter } from './auth/rate-limiter.js';
import { loadJwtSecret, TokenService } from './auth/tokens.js';
import { ChatService } from './chat/service.js';
import { LiveCommentService } from './comments/service.js';
import type { Config } from './config/index.js';
import { AppError } from './errors/app-error.js';
import { archiveRepo, type CommitResult, checkGit, DiffPool, initRepo, openRepo } from './git/index.js';
import { createApp } from './http/app.js';
import { cleanPushQuarantines } from './http/git/receive-pack.js';
import { createLogger, type Logger } from './log/index.js';
import { instrumentBackend } from './metrics/backend.js';
import { Metrics } from './metrics/index.js';
import { ClientIds } from './ot/client-ids.js';
import { createBackend, serverConnection, submitAt } from './ot/index.js';
import { createSocketServer, LiveRooms } from './realtime/live-rooms.js';
import { connectRedis } from './realtime/redis.js';
import { SessionPresence } from './realtime/session-presence.js';
import { Realtime } from './realtime/socket-server.js';
import { SearchService } from './search/service.js';
import type { Services } from './services.js';
import { SessionService } from './sessions/service.js';
import { createStore } from './storage/index.js';
import { FileHistoryService } from './versions/file-history.js';
import { ImportService } from './versions/import.js';
import { PushService } from './versions/push.js';
import { VersionService } from './versions/service.js';
import { CommitWorker } from './versions/worker.js';

export interface GitpadServer {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(): Promise<{ port: number; host: string; url: string }>;
  /** Stops accepting, closes sockets, flushes and closes the store. Idempotent. */
  close(): Promise<void>;
  readonly services: Services;
}

/**
 * What tests and benchmarks replace without going through the environment. Rate limits come from
 * the config (OP_RATE_PER_SECOND…); an override here wins over it.
 */
export interface ServerOverrides {
  logger?: Logger;
  rateLimits?: Partial<Record<'auth' | 'ops' | 'chat', { perSecond: number; burst: number }>>;
  /** Login backoff and per-IP ceiling (auth/login-throttle.ts); defaults from the config. */
  loginThrottle?: Partial<LoginThrottleLimits>;
}

export async function createServer(config: Config, overrides: ServerOverrides = {}): Promise<GitpadServer> {
  const logger = overrides.logger ?? createLogger(config.logLevel, { format: config.logFormat });
  const metrics = new Metrics({ processMetrics: config.metricsToken !== undefined });
  // Clones and repo maintenance run the real git: refuse to start without a usable one.
  const gitVersion = await checkGit();
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.mkdirSync(config.reposDir, { recursive: true });
  // Push quarantines a crash left behind: nothing in them was ever made visible.
  await cleanPushQuarantines(config.reposDir);

  const store = await createStore({ dataDir: config.dataDir, mongodbUrl: config.mongodbUrl, logger });
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  const access = new AccessControl(store);
  const secret = loadJwtSecret(config.dataDir, config.jwtSecret);
  const tokens = new TokenService(store, secret, config.tokenTtlSeconds);
  const authRate = overrides.rateLimits?.auth ?? {
    perSecond: config.authRatePerMinute / 60,
    burst: config.authRateBurst,
  };
  const opRate = overrides.rateLimits?.ops ?? {
    perSecond: config.opRatePerSecond,
    burst: config.opRateBurst,
  };
  const chatRate = overrides.rateLimits?.chat ?? {
    perSecond: config.chatRatePerSecond,
    burst: config.chatRateBurst,
  };
  const loginThrottle: LoginThrottleLimits = {
    freeFailures: config.loginFreeFailures,
    baseDelayMs: config.loginBackoffMs,
    maxDelayMs: config.loginBackoffMaxMs,
    perIp: { perSecond: config.loginFailuresPerMinute / 60, burst: config.loginFailuresBurst },
    ...overrides.loginThrottle,
  };
  // Computed now, so the first login for an unknown user costs no more than any other.
  await dummyPasswordHash();

  // The HTTP server and socket.io come first: every service reaches live clients through their
  // rooms. Requests are served by the app once it exists; nothing listens before listen().
  const tls = config.tlsCertFile && config.tlsKeyFile;
  const httpServer = tls
    ? https.createServer({
        cert: fs.readFileSync(config.tlsCertFile!),
        key: fs.readFileSync(config.tlsKeyFile!),
      })
    : http.createServer();
  // Slow or stalled clients must not hold sockets forever.
  httpServer.requestTimeout = 5 * 60_000;
  httpServer.headersTimeout = 30_000;
  const io = createSocketServer(httpServer, config.maxSocketMessageBytes);
  const presence = new SessionPresence(io);
  // Events that changed someone's work are kept in the session's activity log as they go out.
  const activity = new ActivityLog({ store, logger });
  const live = new ActivityRecording(new LiveRooms(io, presence), activity);

  const backend = createBackend({
    db: store.sharedb,
    access,
    logger,
    clientIds: new ClientIds(secret),
    limits: { maxOpChars: config.maxOpChars, maxFileChars: config.maxFileChars, maxComponents: 1000 },
    opRate,
    chunkLargeText: store.kind === 'embedded',
    ...(redis ? { pubsub: redis.sharedbPubsub } : {}),
  });
  instrumentBackend(backend, metrics);
  const conn = serverConnection(backend);
  const sessions = new SessionService(
    store,
    conn,
    access,
    {
      maxFilesPerSession: config.maxFilesPerSession,
      maxFileChars: config.maxFileChars,
      maxSessionsPerUser: config.maxSessionsPerUser,
    },
    live,
    {
      // Every session is a bare repo from the start, so it can be cloned before its first version.
      sessionCreated: async (session) => {
        await initRepo(config.reposDir, session.id);
      },
      // History outlives a deleted session: the repo moves to REPOS_DIR/.archive/.
      sessionDeleted: async (sessionId) => {
        await archiveRepo(config.reposDir, sessionId).catch((err) =>
          logger.warn('could not archive the repo of a deleted session', { sessionId, err }),
        );
      },
      treeChanged: (sessionId, actorId) => worker.noteEdit(sessionId, actorId ?? null, 1),
    },
  );
  const mentions = new MentionService({ store, logger, live });
  const liveComments = new LiveCommentService({ store, db: store.sharedb, sessions, logger, live });
  // Anchors move with every op written to a file, anyone's.
  backend.edits.onFileOp((docId, v, op) => liveComments.onFileOp(docId, v, op));
  const worker = new CommitWorker({
    store,
    db: store.sharedb,
    sessions,
    reposDir: config.reposDir,
    idleMs: config.commitIdleMs,
    maxMs: config.commitMaxMs,
    retryMaxMs: config.commitRetryMaxMs,
    logger,
    live,
    gitEmailDomain: config.gitEmailDomain,
    afterVersion: (repo, sessionId, sha, files) => liveComments.noteVersion(repo, sessionId, sha, files),
    observeCommit: (outcome, ms) => metrics.commitDuration.observe({ outcome }, ms / 1000),
  });
  // Diffs and history stats grow with file size: worker threads, started on the first diff.
  const diffPool = new DiffPool({ workers: config.diffWorkers, timeoutMs: config.diffTimeoutMs });
  const versions = new VersionService({
    store,
    conn,
    sessions,
    worker,
    reposDir: config.reposDir,
    live,
    diffEngine: diffPool,
    diffMaxLines: config.diffMaxLines,
    gitEmailDomain: config.gitEmailDomain,
    seals: backend,
    connect: () => serverConnection(backend),
    db: store.sharedb,
  });

  const fileHistory = new FileHistoryService({
    store,
    db: store.sharedb,
    conn,
    sessions,
    reposDir: config.reposDir,
    diffEngine: diffPool,
    gitEmailDomain: config.gitEmailDomain,
  });

  const push = new PushService({
    sessions,
    worker,
    db: store.sharedb,
    conn,
    submit: (collection, id, v, op, meta) => submitAt(backend, conn, collection, id, v, op, meta),
    openRepo: (sessionId) => openRepo(config.reposDir, sessionId),
    keepThenDelete: (sessionId, files, actor, before) =>
      versions.keepThenDelete(sessionId, files, actor, before as () => Promise<CommitResult>),
    limits: {
      maxFiles: config.pushMaxFiles,
      maxFileBytes: config.pushMaxFileBytes,
      maxFilesPerSession: config.maxFilesPerSession,
    },
    reposDir: config.reposDir,
    actorById: (userId) => store.users.byId(userId),
    logger,
    live,
  });
  const imports = new ImportService({
    reposDir: config.reposDir,
    sessions,
    worker,
    limits: {
      maxFileChars: config.maxFileChars,
      maxFilesPerSession: config.maxFilesPerSession,
      maxBinaryBytes: config.maxBinaryBytes,
      maxImportBytes: config.maxImportBytes,
      maxImportEntries: config.maxImportEntries,
    },
    connect: () => serverConnection(backend),
    live,
  });

  // Searches run regexes people type: a pool of their own, so one cannot hold up diffs.
  const searchPool = new DiffPool({
    workers: 1,
    timeoutMs: config.searchTimeoutMs,
    overLimit: (why, ms) =>
      new AppError(
        'ERR_SEARCH_TOO_SLOW',
        why === 'time'
          ? `This search takes longer than ${ms / 1000} s, this server's limit. Try a simpler pattern.`
          : 'This search needs more memory than this server allows. Try a simpler pattern.',
      ),
  });
  const search = new SearchService({
    sessions,
    worker,
    pool: searchPool,
    connect: () => serverConnection(backend),
    timeoutMs: config.searchTimeoutMs,
    maxResults: config.searchMaxResults,
    maxFileChars: config.maxFileChars,
  });

  const chat = new ChatService(store, new RateLimiter(chatRate, 'chat messages'), live, (m) =>
    mentions.mention(m.sessionId, m.user, 'chat', String(m.id), m.text),
  );
  const admin = new AdminService({ store, sessions, config, live });
  const services: Services = {
    chat,
    activity,
    mentions,
    liveComments,
    worker,
    versions,
    fileHistory,
    push,
    imports,
    search,
    config,
    logger,
    metrics,
    store,
    tokens,
    access,
    backend,
    conn,
    sessions,
    limiters: {
      login: new LoginThrottle(loginThrottle),
      registerPerIp: new RateLimiter(authRate, 'registrations'),
    },
    admin,
    live,
  };

  httpServer.on('request', createApp(services).callback());
  const realtime = new Realtime({
    io,
    presence,
    backend,
    tokens,
    access,
    logger,
    maxSocketsPerUser: config.maxSocketsPerUser,
    chat,
    commitFailure: (sessionId) => worker.lastFailure(sessionId),
  });
  metrics.watch({
    sockets: () => io.engine.clientsCount,
    presence: () => presence.counts(),
    oldestUncommittedAt: () => worker.oldestPendingAt(),
  });
  await redis?.attach(io, access);
  backend.edits.on(({ sessionId, userId }) => {
    admin.noteEdit(sessionId);
    presence.typed(sessionId, userId);
    worker.noteTyping(sessionId);
  });

  let closing: Promise<void> | undefined;
  return {
    services,
    listen: () =>
      new Promise((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', reject);
          const addr = httpServer.address() as AddressInfo;
          const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          const shownHost = addr.address === '0.0.0.0' || addr.address === '::' ? 'localhost' : host;
          const url = `${tls ? 'https' : 'http'}://${shownHost}:${addr.port}`;
          logger.info(`Gitpad listening on ${url}`, {
            store: store.kind,
            dataDir: config.dataDir,
            reposDir: config.reposDir,
            git: gitVersion,
          });
          resolve({ port: addr.port, host: addr.address, url });
          // Commit what a crash left uncommitted, in the background.
          // Pushes a crash interrupted are finished first, so their merges keep the pushed commits.
          push
            .recover()
            .then(() => worker.recover())
            .catch((err) => logger.warn('recovery scan failed', { err }));
        });
      }),
    close: () => {
      closing ??= (async () => {
        await realtime.close();
        httpServer.closeAllConnections?.();
        await new Promise<void>((resolve) =>
          httpServer.listening ? httpServer.close(() => resolve()) : resolve(),
        );
        await sessions.drain();
        await diffPool.close();
        await searchPool.close();
        conn.close();
        await new Promise<void>((resolve) => backend.close(() => resolve()));
        await redis?.close();
        await activity.settled();
        await liveComments.close();
        await store.close();
      })();
      return closing;
    },
  };
}
