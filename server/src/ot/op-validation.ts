/**
 * What a user's edit must be before it is written: a well-formed text op within the size limits
 * (checked on arrival), within the user's edit rate, not on a sealed (being deleted) document, and
 * valid against the exact text it will change once transformed (offsets, surrogate pairs, the
 * file size). Each accepted op is stamped with its author, durable with the op.
 */
import { RateLimiter } from '../auth/rate-limiter.js';
import { AppError } from '../errors/app-error.js';
import { COLLECTION_FILES } from '../protocol/doc-ids.js';
import { stampAuthor } from './authorship.js';
import { identityOf } from './identity.js';
import { fileDeleted } from './refusals.js';
import type { QueuedBackend } from './submit-queue.js';
import { checkTextOpAgainst, checkTextOpShape, type OpLimits, type TextView } from './validate-op.js';

export interface OpValidationOptions {
  limits: OpLimits;
  /** Edits per second per user, with a burst; 0 disables. */
  opRate: { perSecond: number; burst: number };
}

export function installOpValidation(backend: QueuedBackend, { limits, opRate }: OpValidationOptions): void {
  const opLimiter = new RateLimiter(opRate, 'edits');

  // On arrival (after the access check): the op's shape and size, the rate, the author.
  backend.use('submit', (ctx, next) => {
    const identity = identityOf(ctx.agent);
    if (identity.kind !== 'user') return next();
    if (backend.isSealed(ctx.collection, ctx.id)) return next(fileDeleted());
    try {
      checkTextOpShape((ctx.op as { op?: unknown }).op, limits);
    } catch (err) {
      return next(err);
    }
    if (!opLimiter.tryTake(identity.user.id)) {
      return next(new AppError('ERR_RATE_LIMITED', 'Too many edits at once. Slow down a little.'));
    }
    // Who typed it, durable with the op (authorship.ts): commit authors survive a crash.
    stampAuthor(ctx.op as { m?: Record<string, unknown> }, identity.user.id);
    next();
  });

  // After transform, against the exact text the op will change: offsets, surrogates, sizes.
  backend.use('apply', (ctx, next) => {
    const op = (ctx.op as { op?: unknown }).op;
    if (ctx.collection !== COLLECTION_FILES || !op || identityOf(ctx.agent).kind === 'server') return next();
    // Sealed after this op passed `submit` (it waited in the queue behind the seal), or gone.
    if (backend.isSealed(ctx.collection, ctx.id)) return next(fileDeleted());
    const text = (ctx.snapshot?.data as { text?: unknown } | undefined)?.text;
    if (!isTextView(text)) return next(fileDeleted());
    try {
      checkTextOpAgainst(text, op as Parameters<typeof checkTextOpAgainst>[1], limits);
      next();
    } catch (err) {
      next(err);
    }
  });
}

/** A file's text as the server's snapshot holds it: a string, or the embedded store's chunks. */
function isTextView(text: unknown): text is TextView {
  return (
    typeof text === 'string' ||
    (typeof text === 'object' &&
      text !== null &&
      typeof (text as TextView).length === 'number' &&
      typeof (text as TextView).charCodeAt === 'function' &&
      typeof (text as TextView).slice === 'function')
  );
}
