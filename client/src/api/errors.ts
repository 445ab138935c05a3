/**
 * Errors as the client handles them: always a stable code (from the shared catalogue), the HTTP
 * status when there was one, and a sentence a person can read. Code never branches on messages.
 */
import { type ErrorCode, isErrorCode } from '@protocol/errors';

/** A failed request, REST or socket. `status` is 0 when the server could not be reached. */
export class ClientError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ClientError';
  }
}

/** Short, human sentences per code; the server's own message is used when it says more. */
const MESSAGES: Partial<Record<ErrorCode, string>> = {
  ERR_UNAUTHENTICATED: 'Your sign-in has expired. Please sign in again.',
  ERR_BAD_CREDENTIALS: 'Wrong username or password.',
  ERR_FORBIDDEN: "You don't have permission to do that.",
  ERR_REGISTRATION_CLOSED: 'Registration is by invitation only on this server.',
  ERR_ACCOUNT_DISABLED: 'This account has been disabled. Ask the server’s admin.',
  ERR_OIDC_DENIED: 'Sign-in was cancelled or refused at the identity provider.',
  ERR_OIDC_STATE: 'That sign-in expired or was already used. Please sign in again.',
  ERR_OIDC_INVALID:
    'The identity provider’s answer could not be verified, so you were not signed in. Try again, or ask the server’s admin.',
  ERR_LOCAL_LOGIN_DISABLED:
    'Passwords kept by Gitpad are switched off on this server: sign in with your directory account.',
  ERR_EXTERNAL_ACCOUNT:
    'This account signs in through your organisation’s directory: its password is managed there.',
  ERR_DIRECTORY_UNAVAILABLE: 'The sign-in directory cannot be reached right now. Try again in a moment.',
  ERR_INVITE_REVOKED: 'The owner changed your access after this link was made; ask them for a new one.',
  ERR_NOT_FOUND: "That doesn't exist (any more).",
  ERR_SESSION_NOT_FOUND: "This session doesn't exist, or you are not a member of it.",
  ERR_FILE_NOT_FOUND: 'That file no longer exists.',
  ERR_FILE_DELETED: 'This file was deleted while you typed; your copy stays in this tab.',
  ERR_VERSION_NOT_FOUND: 'That version does not exist in this session.',
  ERR_INVALID_SHA: "That doesn't look like a version id.",
  ERR_INVALID_RANGE: 'Select some text of the file to comment on.',
  ERR_COMMENT_NOT_FOUND: 'That comment was deleted.',
  ERR_USER_NOT_FOUND: 'No user with that name.',
  ERR_USERNAME_TAKEN: 'That username is taken. Try another one.',
  ERR_PATH_EXISTS: 'A file or folder with that name already exists there.',
  ERR_INVALID_PATH: "That name can't be used for a file.",
  ERR_CONFLICT: 'Someone changed this at the same time. Please try again.',
  ERR_TOO_LARGE: 'That is too large for the server to accept.',
  ERR_TOO_MANY_FILES: 'This session has reached its limit of files.',
  ERR_ZIP_BOMB: 'That zip expands to more than this server takes in one import.',
  ERR_SYMLINK: 'Symbolic links cannot be imported: a session holds only regular files.',
  ERR_INVALID_ZIP: 'That is not a zip file this server can read.',
  ERR_INVALID_BUNDLE:
    'That is not a git bundle this server can read (make one with "git bundle create project.bundle --all").',
  ERR_DIFF_TOO_LARGE: 'This change is too large to show here. Clone the session and run git diff to see it.',
  ERR_SEARCH_TOO_SLOW: 'This search takes too long. Try a simpler pattern.',
  ERR_RATE_LIMITED: 'Too many attempts. Please wait a moment and try again.',
  ERR_TOO_MANY_CONNECTIONS:
    'Your account has too many Gitpad tabs or scripts connected. Close some and this tab reconnects.',
  ERR_INTERNAL: 'Something went wrong on the server. Please try again.',
  ERR_UNAVAILABLE: "Can't reach the server. Check your connection and try again.",
  ERR_LAST_OWNER: 'A session must keep an owner: make someone else owner first.',
  ERR_STORAGE_FULL:
    "The server's disk is full, so your last change was not saved. Everything saved before is safe; try again once space is freed.",
};

/** Codes whose server message is more useful than our generic sentence (it names the field). */
const PREFER_SERVER_MESSAGE = new Set<ErrorCode>([
  'ERR_VALIDATION',
  'ERR_BAD_REQUEST',
  'ERR_INVALID_PATH',
  // Names the path it clashes with, and says when the clash is only one of case.
  'ERR_PATH_EXISTS',
]);

/** Turns anything thrown into a ClientError. */
export function toClientError(error: unknown): ClientError {
  if (error instanceof ClientError) return error;
  if (typeof error === 'object' && error !== null) {
    const { code, message, details } = error as { code?: unknown; message?: unknown; details?: unknown };
    if (isErrorCode(code))
      return new ClientError(code, 0, typeof message === 'string' ? message : '', details);
  }
  return new ClientError('ERR_INTERNAL', 0, error instanceof Error ? error.message : String(error));
}

/** The sentence to show a person for an error. */
export function humanMessage(error: unknown): string {
  const e = toClientError(error);
  if (PREFER_SERVER_MESSAGE.has(e.code) && e.message) return e.message;
  return MESSAGES[e.code] ?? (e.message || 'Something went wrong. Please try again.');
}
