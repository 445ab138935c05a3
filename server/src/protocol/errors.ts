/**
 * The error-code catalogue shared by server and client. Every error a client can see carries
 * one of these codes; code never branches on message text. Each code has one HTTP status,
 * used by the REST error boundary (socket acks carry the code alone).
 *
 * This module has no Node imports: the browser client imports it too.
 */
export const ERROR_CODES = {
  ERR_BAD_REQUEST: 400,
  ERR_INVALID_JSON: 400,
  ERR_VALIDATION: 400,
  ERR_INVALID_PATH: 400,
  ERR_INVALID_OP: 400,
  ERR_INVALID_SHA: 400,
  /** A live comment's range outside the file's text, empty, or deleted before it arrived. */
  ERR_INVALID_RANGE: 400,
  /** A symbolic link (in an import or a push): a session holds only regular files. */
  ERR_SYMLINK: 400,
  /** A request body that is not a readable zip archive (import). */
  ERR_INVALID_ZIP: 400,
  /** A request body that is not a git bundle git can read and fetch from (import into an empty session). */
  ERR_INVALID_BUNDLE: 400,
  ERR_UNAUTHENTICATED: 401,
  /**
   * The identity provider's answer to an OpenID Connect sign-in failed validation (ID token, nonce,
   * code exchange, PKCE, or no usable username claim): nothing was signed in.
   */
  ERR_OIDC_INVALID: 401,
  /** An OpenID Connect sign-in whose state is missing, expired, already used or not this browser's, or a used hand-off code. */
  ERR_OIDC_STATE: 400,
  ERR_BAD_CREDENTIALS: 401,
  ERR_FORBIDDEN: 403,
  ERR_REGISTRATION_CLOSED: 403,
  /** The admin disabled this account: right password, but no sign-in. */
  ERR_ACCOUNT_DISABLED: 403,
  ERR_INVITE_REVOKED: 403,
  /** The identity provider refused the sign-in, or the person cancelled it there (`error=access_denied`). */
  ERR_OIDC_DENIED: 403,
  /** Local passwords are switched off on this server (AUTH_LOCAL_PASSWORDS=off): sign in through the directory. */
  ERR_LOCAL_LOGIN_DISABLED: 403,
  /** A directory (LDAP, OIDC) account: it has no password here to log in with, change or reset. */
  ERR_EXTERNAL_ACCOUNT: 403,
  ERR_NOT_FOUND: 404,
  ERR_SESSION_NOT_FOUND: 404,
  ERR_FILE_NOT_FOUND: 404,
  ERR_USER_NOT_FOUND: 404,
  ERR_VERSION_NOT_FOUND: 404,
  ERR_INVITE_NOT_FOUND: 404,
  ERR_TOKEN_NOT_FOUND: 404,
  ERR_COMMENT_NOT_FOUND: 404,
  ERR_USERNAME_TAKEN: 409,
  ERR_PATH_EXISTS: 409,
  ERR_CONFLICT: 409,
  ERR_LAST_OWNER: 409,
  /** A per-account cap (sessions owned): resolved by removing something, not by waiting. */
  ERR_LIMIT_REACHED: 409,
  ERR_INVITE_EXPIRED: 410,
  /**
   * An edit to a file that was deleted meanwhile: the document is sealed and refuses it. The
   * editor keeps the text; the file comes back through `POST /files/restore`.
   */
  ERR_FILE_DELETED: 410,
  ERR_TOO_LARGE: 413,
  ERR_TOO_MANY_FILES: 413,
  /** An import expanding past MAX_IMPORT_BYTES or MAX_IMPORT_ENTRIES (counted as inflated, not as claimed). */
  ERR_ZIP_BOMB: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  /** A diff past the server's time or size caps (DIFF_TIMEOUT_MS, DIFF_MAX_LINES for patches). */
  ERR_DIFF_TOO_LARGE: 422,
  /** A search (or replace) pattern that ran past the search time cap (SEARCH_TIMEOUT_MS). */
  ERR_SEARCH_TOO_SLOW: 422,
  ERR_RATE_LIMITED: 429,
  ERR_TOO_MANY_CONNECTIONS: 429,
  ERR_INTERNAL: 500,
  ERR_UNAVAILABLE: 503,
  /** The directory (LDAP server) or the identity provider (OpenID Connect) could not be reached or answered in time: not a wrong password. */
  ERR_DIRECTORY_UNAVAILABLE: 503,
  /**
   * The server's disk (data or repos) is full: the change was refused and nothing was written;
   * everything accepted before is kept. Retry once an administrator has freed space.
   */
  ERR_STORAGE_FULL: 507,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The shape of every error a client receives: REST `{error: ErrorBody}`, socket ack `{ok: false, error}`. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Optional structured detail, e.g. the failing fields of a validation error. */
  details?: unknown;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
