/**
 * Git over HTTP: `GET /git/<sessionId>.git/info/refs?service=git-upload-pack|git-receive-pack`,
 * `POST /git/<sessionId>.git/git-upload-pack` and `…/git-receive-pack`, served by spawning
 * `git http-backend` (CGI) behind our Basic auth and the session's roles. Clone and fetch need
 * `session.read`; push needs `session.write` and runs through a quarantine (receive-pack.ts).
 * Nothing else under /git exists. Bodies stream both ways (no buffering of packs); the child dies when the response
 * closes; concurrent transfers are capped for the server and per account (slots.ts); a stalled
 * transfer, or one slower than the configured minimum rate, is cut off and frees its slot.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Context, Middleware } from 'koa';
import { isSessionId } from '../../protocol/doc-ids.js';
import type { Services } from '../../services.js';
import { type GitAuthenticator, parseBasic } from './basic-auth.js';
import { serveReceivePack } from './receive-pack.js';
import { GitSlots } from './slots.js';

/** `/git/<id>.git/<service>`; the id is checked by the one session id rule (`isSessionId`). */
const ROUTE = /^\/git\/([^/]+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

function plain(ctx: Context, status: number, message: string, headers: Record<string, string> = {}): void {
  ctx.status = status;
  for (const [k, v] of Object.entries(headers)) ctx.set(k, v);
  ctx.type = 'text/plain; charset=utf-8';
  ctx.body = `${message}\n`;
}

export function gitSmartHttp(services: Services, auth: GitAuthenticator): Middleware {
  const { config, logger, access, metrics } = services;
  const slots = new GitSlots({ total: config.maxConcurrentClones, perUser: config.maxClonesPerUser });

  /** Counts and times a request for one of git's two services, whatever its answer. */
  const measured = async (ctx: Context, serve: () => Promise<void>) => {
    const m = ROUTE.exec(ctx.path);
    const service = m?.[2] === 'info/refs' ? ctx.query.service : m?.[2];
    const started = performance.now();
    try {
      await serve();
    } finally {
      if (service === 'git-upload-pack' || service === 'git-receive-pack') {
        const labels = { service: service.slice(4), phase: m![2] === 'info/refs' ? 'refs' : 'pack' };
        // http-backend writes its own status when the response was handed to it.
        const status = String(ctx.respond === false ? ctx.res.statusCode : ctx.status);
        metrics.gitRequests.inc({ ...labels, status });
        metrics.gitDuration.observe(labels, (performance.now() - started) / 1000);
      }
    }
  };

  return async (ctx, next) => {
    if (!ctx.path.startsWith('/git/') && ctx.path !== '/git') return next();
    return measured(ctx, () => serve(ctx));
  };

  async function serve(ctx: Context): Promise<void> {
    const m = ROUTE.exec(ctx.path);
    const notFound = () => plain(ctx, 404, 'Repository not found.');
    if (!m || !isSessionId(m[1])) return notFound();
    const sessionId = m[1];
    const rest = m[2]!;
    const service = rest === 'info/refs' ? ctx.query.service : rest;
    const pushing = service === 'git-receive-pack';
    const validRequest =
      (rest === 'info/refs' && ctx.method === 'GET' && (service === 'git-upload-pack' || pushing)) ||
      (rest !== 'info/refs' && ctx.method === 'POST');
    if (!validRequest) return notFound();

    const creds = parseBasic(ctx.get('authorization'));
    const challenge = { 'WWW-Authenticate': 'Basic realm="Gitpad", charset="UTF-8"' };
    if (!creds)
      return plain(
        ctx,
        401,
        'Authentication required: your Gitpad username and a password or access token.',
        challenge,
      );
    const userId = await auth.authenticate(creds, ctx.ip);
    if (userId !== null && typeof userId === 'object') {
      const seconds = Math.max(1, Math.ceil(userId.retryAfterMs / 1000));
      return plain(ctx, 429, `Too many failed logins. Try again in ${seconds} s.`, {
        'Retry-After': String(seconds),
      });
    }
    if (!userId) return plain(ctx, 401, 'Wrong username, password or token.', challenge);
    // Not a member, or no such session: the same answer.
    if (!(await access.can(userId, sessionId, 'session.read'))) return notFound();
    const repoDir = path.join(config.reposDir, `${sessionId}.git`);
    if (!fs.existsSync(path.join(repoDir, 'HEAD'))) return notFound();
    if (pushing && !(await access.can(userId, sessionId, 'session.write'))) {
      const role = await access.roleOf(userId, sessionId);
      return plain(ctx, 403, `You are a ${role} in this session: only editors and owners can push.`);
    }

    const slot = slots.acquire(userId);
    if (slot === 'server-busy') {
      return plain(ctx, 503, 'The server is busy serving other clones. Try again in a moment.', {
        'Retry-After': '5',
      });
    }
    if (slot === 'user-busy') {
      return plain(
        ctx,
        429,
        `You already have ${config.maxClonesPerUser} git transfers running on this server: wait for one to finish.`,
        { 'Retry-After': '5' },
      );
    }
    try {
      if (pushing && rest !== 'info/refs') {
        const user = await services.store.users.byId(userId);
        if (!user) return notFound();
        await serveReceivePack(ctx, {
          reposDir: config.reposDir,
          sessionId,
          actor: user,
          push: services.push,
          logger,
          maxPackBytes: config.pushMaxPackBytes,
          backend: {
            idleTimeoutMs: config.gitIdleTimeoutMs,
            minBytesPerSecond: config.gitMinBytesPerSecond,
            rateWindowMs: config.gitMinRateWindowMs,
          },
        });
        return;
      }
      await runHttpBackend(ctx, {
        ...(pushing ? { config: { 'http.receivepack': 'true' } } : {}),
        reposDir: config.reposDir,
        pathInfo: `/${sessionId}.git/${rest}`,
        username: creds.username,
        idleTimeoutMs: config.gitIdleTimeoutMs,
        minBytesPerSecond: config.gitMinBytesPerSecond,
        rateWindowMs: config.gitMinRateWindowMs,
        onError: (msg, extra) => logger.warn(msg, { sessionId, userId, ...extra }),
      });
    } finally {
      slot.release();
    }
  }
}

export interface BackendOptions {
  /** http-backend's GIT_PROJECT_ROOT: the folder `pathInfo` is under. */
  reposDir: string;
  pathInfo: string;
  username: string;
  idleTimeoutMs: number;
  /** Bytes per second (both ways together) a transfer must average over each window; 0: none. */
  minBytesPerSecond: number;
  rateWindowMs: number;
  onError: (msg: string, extra?: Record<string, unknown>) => void;
  /** Git config for this run, over the forced `http.receivepack=false`. */
  config?: Record<string, string>;
  /**
   * Keep git's answer instead of sending it: the promise resolves with the raw CGI output (headers
   * and body) once git exits, and the caller answers (a push reports only once it is applied).
   */
  capture?: boolean;
  /** The request body when the caller has read its start already (receive-pack.ts); else `req`. */
  body?: Readable;
}

/**
 * Runs `git http-backend` for one request, streaming the request body in and the CGI answer out
 * (or, with `capture`, resolving with it: null when the transfer was cut off or git failed).
 */
export function runHttpBackend(ctx: Context, opts: BackendOptions): Promise<Buffer | null> {
  const { req, res } = ctx;
  ctx.respond = false;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: opts.reposDir,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: opts.pathInfo,
    REQUEST_METHOD: ctx.method,
    QUERY_STRING: ctx.querystring,
    REMOTE_USER: opts.username,
    REMOTE_ADDR: ctx.ip,
    CONTENT_TYPE: ctx.get('content-type'),
    // git gzips large negotiation bodies; http-backend inflates them when told.
    HTTP_CONTENT_ENCODING: ctx.get('content-encoding'),
    GIT_PROTOCOL: ctx.get('git-protocol'),
    // With REMOTE_USER set, http-backend would enable push: force it off whatever the repo says.
    GIT_CONFIG_NOSYSTEM: '1',
    HOME: opts.reposDir,
  };
  const config = { 'http.receivepack': 'false', 'uploadpack.allowFilter': 'true', ...opts.config };
  Object.entries(config).forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  env.GIT_CONFIG_COUNT = String(Object.keys(config).length);
  const length = ctx.get('content-length');
  // Without CONTENT_LENGTH (a chunked body) http-backend reads to end of input.
  if (length) env.CONTENT_LENGTH = length;

  return new Promise<Buffer | null>((resolve) => {
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let finished = false;
    let idle: NodeJS.Timeout | undefined;
    const captured: Buffer[] = [];
    let capturedBytes = 0;
    const finish = (output: Buffer | null = null) => {
      if (finished) return;
      finished = true;
      clearTimeout(idle);
      clearInterval(rate);
      resolve(output);
    };
    const kill = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    /** Set once the transfer was cut off: whatever the child still says goes nowhere. */
    let cut = false;
    /** Ends the transfer: with a readable answer when nothing was sent yet, else by cutting it. */
    const cutOff = (message: string) => {
      if (cut) return;
      cut = true;
      kill();
      if (!res.headersSent) {
        res.writeHead(408, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end(`${message}\n`);
      } else res.destroy();
    };
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        opts.onError('git transfer stalled; cutting it off', { idleMs: opts.idleTimeoutMs });
        cutOff('The transfer stalled and was cut off. Try again.');
      }, opts.idleTimeoutMs);
    };
    touch();

    // Minimum rate: every window must have moved enough bytes, or the slot goes to someone else.
    // The first judgement comes one window after the start, which is the grace period.
    let moved = 0;
    const needed = (opts.minBytesPerSecond * opts.rateWindowMs) / 1000;
    const rate =
      needed > 0
        ? setInterval(() => {
            if (moved < needed) {
              opts.onError('git transfer below the minimum rate; cutting it off', {
                bytes: moved,
                windowMs: opts.rateWindowMs,
              });
              cutOff(
                `The transfer was slower than ${opts.minBytesPerSecond} bytes per second and was cut off. Try again.`,
              );
            }
            moved = 0;
          }, opts.rateWindowMs)
        : undefined;
    const count = (chunk: Buffer) => {
      moved += chunk.length;
      touch();
    };

    // The response closing (client gone, or done) ends the child: never the request closing,
    // which happens as soon as the body has been read.
    res.on('close', () => {
      kill();
      finish();
    });
    child.on('error', (err) => {
      opts.onError('git http-backend failed to start', { err });
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('git is not available on this server.\n');
      } else res.destroy();
      finish();
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString('utf8');
    });
    child.on('close', (code) => {
      if (code !== 0 && code !== null)
        opts.onError('git http-backend exited with an error', { code, stderr: stderr.trim() });
    });

    const source = opts.body ?? req;
    source.on('data', count);
    source.pipe(child.stdin);
    child.stdin.on('error', () => {
      /* the child may exit before reading everything (bad request); its answer says why */
    });

    // CGI answer: headers, a blank line, then the body, streamed as it comes.
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (cut) return;
      count(chunk);
      if (opts.capture) {
        // A push's answer is its report: small. Anything past 1 MiB is not git talking.
        capturedBytes += chunk.length;
        if (capturedBytes > 1024 * 1024) cutOff('git gave an oversized answer.');
        else captured.push(chunk);
        return;
      }
      if (headersDone) {
        if (!res.write(chunk)) {
          child.stdout.pause();
          res.once('drain', () => child.stdout.resume());
        }
        return;
      }
      head = Buffer.concat([head, chunk]);
      const crlf = head.indexOf('\r\n\r\n');
      const lf = head.indexOf('\n\n');
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
      if (end < 0) {
        if (head.length > 64 * 1024) {
          kill();
          res.destroy();
        }
        return;
      }
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      const body = head.subarray(end);
      if (body.length > 0) res.write(body);
    });
    child.stdout.on('end', () => {
      if (cut) return;
      if (opts.capture) {
        // The report waits for the apply: its own timers take over, not the transfer's.
        clearTimeout(idle);
        clearInterval(rate);
        child.on('close', (code) => finish(code === 0 ? Buffer.concat(captured) : null));
        if (child.exitCode !== null) finish(child.exitCode === 0 ? Buffer.concat(captured) : null);
        return;
      }
      if (!headersDone && !res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('git http-backend gave no answer.\n');
      } else res.end();
    });
  });
}
