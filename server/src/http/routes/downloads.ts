/**
 * Taking a session out: a version as a zip (`git archive`), the live state as a zip, one file, and
 * the history as a git bundle. Read permission, as for `git clone`: viewers may download. Callers
 * authenticate with the usual Bearer token, or with HTTP Basic (username and password or access
 * token, throttled like git's), so `curl -u` works as `git clone` does. Streams end when the
 * client goes away (git is killed).
 */
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../errors/app-error.js';
import type { GitStream } from '../../git/cli-stream.js';
import { readBlob } from '../../git/index.js';
import { imageTypeForPath } from '../../protocol/binary.js';
import type { Services } from '../../services.js';
import { FILE_ID_RE } from '../../sessions/ids.js';
import { zipStream } from '../../versions/zip.js';
import { type AuthState, authenticate, requireSession } from '../authenticate.js';
import { type GitAuthenticator, parseBasic } from '../git/basic-auth.js';

/**
 * `Content-Disposition: attachment` for `name`: an ASCII fallback (anything else, quotes and
 * backslashes become `_`) and the exact name in RFC 5987 form.
 */
export function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Bearer as everywhere in the API, or Basic as for git. */
function authenticateAny(services: Services, gitAuth: GitAuthenticator): Middleware<AuthState> {
  const bearer = authenticate(services);
  return async (ctx, next) => {
    const creds = parseBasic(ctx.get('authorization'));
    if (!creds) return bearer(ctx, next);
    const userId = await gitAuth.authenticate(creds, ctx.ip);
    if (userId !== null && typeof userId === 'object') {
      const seconds = Math.max(1, Math.ceil(userId.retryAfterMs / 1000));
      ctx.set('Retry-After', String(seconds));
      throw new AppError('ERR_RATE_LIMITED', `Too many failed logins. Try again in ${seconds} s.`);
    }
    const user = userId ? await services.store.users.byId(userId) : null;
    if (!user) {
      ctx.set('WWW-Authenticate', 'Basic realm="Gitpad", charset="UTF-8"');
      throw new AppError('ERR_BAD_CREDENTIALS', 'Wrong username, password or token.');
    }
    // Basic carries no token: the claims say so (nothing here revokes or inspects them).
    ctx.state.auth = { user, claims: { sub: user.id, jti: 'basic', iatMs: Date.now(), exp: 0 } };
    return next();
  };
}

/** Sends `out` as the body; git dies when the response closes before it is done. */
function streamGit(ctx: Context, out: GitStream, type: string, filename: string): void {
  ctx.res.once('close', () => out.kill());
  ctx.type = type;
  ctx.set('Content-Disposition', attachment(filename));
  ctx.body = out.stdout;
}

export function downloadRoutes(services: Services, gitAuth: GitAuthenticator): Router<AuthState> {
  const { versions, sessions } = services;
  const router = new Router<AuthState>({ prefix: '/api/sessions/:sessionId' });
  router.use(authenticateAny(services, gitAuth));
  const read = requireSession(services, 'session.read');
  const sessionOf = (ctx: { params: Record<string, string> }) => ctx.params.sessionId!;

  router.get('/versions/:sha/archive.zip', read, async (ctx) => {
    const { sha, out } = await versions.versionArchive(sessionOf(ctx), ctx.params.sha!);
    streamGit(ctx, out, 'application/zip', `${sessionOf(ctx)}-${sha.slice(0, 7)}.zip`);
  });

  router.get('/archive.zip', read, async (ctx) => {
    const entries = await versions.liveEntries(sessionOf(ctx));
    ctx.type = 'application/zip';
    ctx.set('Content-Disposition', attachment(`${sessionOf(ctx)}-live.zip`));
    ctx.body = zipStream(entries);
  });

  router.get('/bundle', read, async (ctx) => {
    const out = await versions.bundle(sessionOf(ctx));
    streamGit(ctx, out, 'application/x-git-bundle', `${sessionOf(ctx)}.bundle`);
  });

  router.get('/files/:fileId/raw', read, async (ctx) => {
    const fileId = ctx.params.fileId!;
    if (!FILE_ID_RE.test(fileId)) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
    const sessionId = sessionOf(ctx);
    const entry = (await sessions.manifest(sessionId)).files[fileId];
    if (!entry) throw new AppError('ERR_FILE_NOT_FOUND', 'File not found.');
    const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
    // `?inline=1` on an image: shown, never run. The image type comes from the extension, never
    // from the bytes; `sandbox` and a policy allowing nothing keep an SVG's script dead even when
    // it is opened as a page, and nosniff stops a browser second-guessing the type.
    const image = ctx.query.inline ? imageTypeForPath(entry.path) : null;
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set(
      'Content-Security-Policy',
      "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    ctx.set(
      'Content-Disposition',
      image ? `inline; filename*=UTF-8''${encodeURIComponent(name)}` : attachment(name),
    );
    if (entry.blob) {
      ctx.type = image ?? 'application/octet-stream';
      ctx.body = Buffer.from(await readBlob(await versions.repo(sessionId), entry.blob.oid));
      return;
    }
    const file = await sessions.readFile(sessionId, fileId);
    ctx.type = image ?? 'text/plain; charset=utf-8';
    ctx.body = file.content;
  });

  return router;
}
