import { ERROR_CODES, type ErrorBody, type ErrorCode } from '../protocol/errors.js';

/** The one error class for expected failures. Anything else reaching a boundary is a bug. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code];
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

/**
 * Whether `err` is a write refused for want of space: SQLite's SQLITE_FULL (which it also reports
 * for ENOSPC while growing its WAL or database file) or a file write's ENOSPC / EDQUOT.
 */
export function isStorageFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

export const storageFull = () =>
  new AppError(
    'ERR_STORAGE_FULL',
    'The server’s disk is full, so this change was not saved. Everything saved before is kept; ' +
      'try again once space has been freed.',
  );

/**
 * Serialize any thrown value for a client: AppErrors as they are, a full disk as
 * ERR_STORAGE_FULL, anything else as a generic internal error.
 */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  if (isStorageFull(err)) return storageFull().toBody();
  return { code: 'ERR_INTERNAL', message: 'Something went wrong on the server.' };
}

export const notFound = (what = 'Session') => new AppError('ERR_SESSION_NOT_FOUND', `${what} not found.`);
export const forbidden = (message = 'You do not have permission to do that.') =>
  new AppError('ERR_FORBIDDEN', message);
