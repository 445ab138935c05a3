/**
 * Gives each HTTP request an id: the caller's `X-Request-Id` when it is a plausible one (a proxy
 * in front set it), else a new UUID. It is sent back in `X-Request-Id` and joins every log line
 * written while the request runs (log.ts `withLogFields`), so one request's lines can be found
 * together and matched to what the proxy logged. One line per finished request: API and git
 * requests at info, probes, scrapes and static files at debug.
 */
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { type Logger, withLogFields } from '../log/index.js';

/** What we accept from outside: short, and nothing that could forge a log line or a header. */
const ACCEPTED = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Requests a monitor makes every few seconds, or a browser by the dozen: not worth an info line. */
const QUIET = /^\/(?:api\/(?:health|ready)$|metrics$)|^\/(?!api\/|git\/)/;

export function requestId(logger: Logger): Middleware {
  return (ctx, next) => {
    const given = ctx.get('x-request-id');
    const id = ACCEPTED.test(given) ? given : randomUUID();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    return withLogFields({ requestId: id }, async () => {
      const started = performance.now();
      try {
        await next();
      } finally {
        const line = {
          method: ctx.method,
          // An invite's token is in its path, and anyone holding it may join: never logged.
          path: ctx.path.replace(/(\/invites\/)[^/]+/, '$1…'),
          // The git backend answers on the raw response itself.
          status: ctx.respond === false ? ctx.res.statusCode : ctx.status,
          ms: Math.round(performance.now() - started),
          user: ctx.state.auth?.user?.id,
        };
        if (QUIET.test(ctx.path)) logger.debug('request', line);
        else logger.info('request', line);
      }
    });
  };
}
