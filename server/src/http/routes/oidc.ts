/**
 * OpenID Connect sign-in (auth/oidc.ts has the flow):
 * - `GET /api/auth/oidc/start?next=/path`: 302 to the provider, with the pending sign-in's id in
 *   an HttpOnly, SameSite=Lax cookie scoped to these routes;
 * - `GET /api/auth/oidc/callback`: the provider's redirect; signs in (creating the account the
 *   first time) and sends the browser to `/login#oidc=<one-time code>`, or `/login#oidc_error=<ERR_*>`;
 * - `POST /api/auth/oidc/exchange {code}`: the one-time code for `{token, user, next}`.
 * The two GETs are browser navigations, so their failures go back to the login page as a code the
 * page turns into a sentence; `start` answers JSON errors instead to a caller that asks for JSON.
 */
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { signInExternal } from '../../auth/external-accounts.js';
import { OidcSignIn } from '../../auth/oidc.js';
import { RateLimiter } from '../../auth/rate-limiter.js';
import { AppError } from '../../errors/app-error.js';
import { parseWith } from '../../errors/validation.js';
import type { Logger } from '../../log/index.js';
import type { Services } from '../../services.js';
import type { AuthState } from '../authenticate.js';
import { publicOrigin } from '../public-url.js';
import { publicUser } from './auth.js';

/** The cookie holding the pending sign-in's id; distinct from any provider's cookie on the same host. */
export const OIDC_COOKIE = 'gitpad_oidc';
const COOKIE_PATH = '/api/auth/oidc';

/**
 * Sign-ins one IP address may start: a whole LAN behind one proxy signs in well within it, while a
 * flood cannot push everyone's pending sign-ins out of the server's bounded memory.
 */
export const OIDC_START_RATE = { perSecond: 2, burst: 120 };

const exchangeSchema = z.strictObject({ code: z.string().min(1).max(128) });

/** Where a browser lands after a failed navigation: the login page, told which error. */
function toLogin(ctx: Context, err: unknown, logger: Logger): void {
  if (!(err instanceof AppError)) logger.error('OpenID Connect sign-in failed', { err, path: ctx.path });
  ctx.redirect(`/login#oidc_error=${err instanceof AppError ? err.code : 'ERR_INTERNAL'}`);
}

export function oidcRoutes(services: Services): Router<AuthState> {
  const router = new Router<AuthState>({ prefix: '/api/auth/oidc' });
  const { config } = services;
  const signIn = config.oidc ? new OidcSignIn(config.oidc, services.logger) : null;
  const startsPerIp = new RateLimiter(OIDC_START_RATE, 'sign-ins started');
  const enabled = (): OidcSignIn => {
    if (!signIn)
      throw new AppError('ERR_NOT_FOUND', 'OpenID Connect sign-in is not configured on this server.');
    return signIn;
  };
  const cookieOptions = (ctx: Context) => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    path: COOKIE_PATH,
    secure: ctx.secure,
    overwrite: true,
  });

  router.get('/start', async (ctx) => {
    const oidc = enabled();
    startsPerIp.take(ctx.ip);
    const redirectUri =
      config.oidc?.redirectUrl ?? `${publicOrigin(config, ctx.req.socket)}/api/auth/oidc/callback`;
    try {
      const { flowId, url } = await oidc.begin(redirectUri, ctx.query.next);
      ctx.cookies.set(OIDC_COOKIE, flowId, { ...cookieOptions(ctx), maxAge: 10 * 60_000 });
      ctx.redirect(url);
    } catch (err) {
      if (ctx.accepts('html', 'json') === 'json') throw err;
      toLogin(ctx, err, services.logger);
    }
  });

  router.get('/callback', async (ctx) => {
    const oidc = enabled();
    const flowId = ctx.cookies.get(OIDC_COOKIE);
    // Used up whatever happens next.
    ctx.cookies.set(OIDC_COOKIE, null, cookieOptions(ctx));
    try {
      const { identity, next } = await oidc.complete(flowId, ctx.querystring);
      const user = await signInExternal(services, { source: 'oidc', ...identity });
      ctx.redirect(`/login#oidc=${oidc.handoff(user.id, next)}`);
    } catch (err) {
      toLogin(ctx, err, services.logger);
    }
  });

  router.post('/exchange', async (ctx) => {
    const oidc = enabled();
    const { code } = parseWith(exchangeSchema, ctx.request.body);
    const { userId, next } = oidc.redeem(code);
    const user = await services.store.users.byId(userId);
    if (!user) throw new AppError('ERR_OIDC_STATE', 'This sign-in expired. Please sign in again.');
    // Disabled between the callback and now.
    if (user.disabled)
      throw new AppError('ERR_ACCOUNT_DISABLED', 'This account has been disabled. Ask the server’s admin.');
    ctx.body = { token: services.tokens.issue(user), user: publicUser(user), next };
  });

  return router;
}
