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

/** Serialize any thrown value for a client: AppErrors as they are, anything else as a generic internal error. */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof AppError) return err.toBody();
  return { code: 'ERR_INTERNAL', message: 'Something went wrong on the server.' };
}

export const notFound = (what = 'Session') => new AppError('ERR_SESSION_NOT_FOUND', `${what} not found.`);
export const forbidden = (message = 'You do not have permission to do that.') =>
  new AppError('ERR_FORBIDDEN', message);
