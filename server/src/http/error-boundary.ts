/**
 * The REST error boundary, first in the chain: every failure leaves as `{error: {code, message}}`
 * with the code's status. Unknown errors are logged with context and answered generically.
 */
import type { Middleware } from 'koa';
import { AppError, isStorageFull, storageFull } from '../errors/app-error.js';
import type { Logger } from '../log/index.js';
import { ERROR_CODES, type ErrorCode } from '../protocol/errors.js';

/** Koa/http-errors statuses we may see (router 405/501, aborted bodies) mapped to our codes. */
const BY_STATUS: Record<number, ErrorCode> = {
  400: 'ERR_BAD_REQUEST',
  401: 'ERR_UNAUTHENTICATED',
  403: 'ERR_FORBIDDEN',
  404: 'ERR_NOT_FOUND',
  405: 'ERR_NOT_FOUND',
  413: 'ERR_TOO_LARGE',
  415: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  429: 'ERR_RATE_LIMITED',
  501: 'ERR_NOT_FOUND',
};

export function errorBoundary(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined && ctx.path.startsWith('/api/')) {
        throw new AppError('ERR_NOT_FOUND', 'No such API endpoint.');
      }
    } catch (err) {
      let error: AppError;
      if (err instanceof AppError) error = err;
      else if (isStorageFull(err)) {
        logger.warn('request refused: the disk is full', { method: ctx.method, path: ctx.path });
        error = storageFull();
      } else {
        const status = (err as { status?: number; expose?: boolean }).status;
        const code = status ? BY_STATUS[status] : undefined;
        if (code) error = new AppError(code, (err as Error).message || code);
        else {
          logger.error('request failed', {
            err,
            method: ctx.method,
            path: ctx.path,
            user: ctx.state.auth?.user?.id,
          });
          error = new AppError('ERR_INTERNAL', 'Something went wrong on the server.');
        }
      }
      ctx.status = ERROR_CODES[error.code];
      ctx.body = { error: error.toBody() };
      const retryAfter = (error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      if (error.code === 'ERR_RATE_LIMITED' && typeof retryAfter === 'number') {
        ctx.set('Retry-After', String(retryAfter));
      }
      // A route that takes Basic too (downloads) has set its own challenge.
      if (
        (error.code === 'ERR_UNAUTHENTICATED' || error.code === 'ERR_BAD_CREDENTIALS') &&
        !ctx.response.get('WWW-Authenticate')
      ) {
        ctx.set('WWW-Authenticate', 'Bearer realm="Gitpad"');
      }
    }
  };
}
