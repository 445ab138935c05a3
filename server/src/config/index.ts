/**
 * The one place that reads the environment. `loadConfig(env)` returns a typed, validated config
 * or throws a ConfigError listing every bad value; `DEFAULTS` documents each option.
 */
import os from 'node:os';
import path from 'node:path';
import { type LdapConfig, loadLdapConfig } from './ldap.js';
import { loadOidcConfig, type OidcConfig } from './oidc.js';

export type { LdapConfig } from './ldap.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
/** `text`: one readable line per event; `json`: one JSON object per line, for log shippers. */
export type LogFormat = 'text' | 'json';

export interface Config {
  /** TCP port for HTTP, socket.io and git. 0 picks a free port (tests). */
  port: number;
  /** Interface to bind; 0.0.0.0 serves the whole LAN. */
  host: string;
  /** Embedded store, the JWT secret file and other state live here. */
  dataDir: string;
  /** One bare git repository per session: `<reposDir>/<sessionId>.git`. */
  reposDir: string;
  /** Secret for signing JWTs; when unset, generated once and kept in `<dataDir>/jwt-secret`. */
  jwtSecret: string | undefined;
  /** Lifetime of a login token, seconds. */
  tokenTtlSeconds: number;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /**
   * Bearer token a Prometheus scraper sends to read `GET /metrics` (at least 16 characters).
   * Unset: `/metrics` does not exist (404), so nothing about the server is exposed by default.
   */
  metricsToken: string | undefined;
  /** When set, MongoDB (sharedb-mongo + mongodb driver) replaces the embedded store. */
  mongodbUrl: string | undefined;
  /** When set (with MongoDB), several server processes share ops and socket rooms over Redis. */
  redisUrl: string | undefined;
  /** Largest file text, UTF-16 code units. */
  maxFileChars: number;
  /** Largest text one op may insert or delete, UTF-16 code units. */
  maxOpChars: number;
  /** Largest socket.io message, bytes; must exceed the largest file snapshot. */
  maxSocketMessageBytes: number;
  /** Files (documents) per session. */
  maxFilesPerSession: number;
  /** Largest JSON request body, bytes (a file created with content must fit). */
  maxBodyBytes: number;
  /** Largest binary file (an upload, one import entry), bytes. */
  maxBinaryBytes: number;
  /**
   * Largest import: the zip body, and separately all its entries once inflated (counted as they
   * inflate, not as the zip claims), bytes. Past it the import is refused as a zip bomb.
   */
  maxImportBytes: number;
  /** Most entries (files and folders) one import zip may hold. */
  maxImportEntries: number;
  /** Commit a session once it has been idle this long, ms. */
  commitIdleMs: number;
  /** Commit a busy session at least this often, ms. */
  commitMaxMs: number;
  /**
   * Longest wait between retries of a session's failing commit, ms. Retries start at twice
   * `commitIdleMs` and double each time up to this.
   */
  commitRetryMaxMs: number;
  /** Serve the built client from this directory when it exists. */
  clientDir: string;
  /** TLS: when both are set the server speaks https/wss. */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** Trust X-Forwarded-For (set when behind a reverse proxy). */
  trustProxy: boolean;
  /** `git clone`/`fetch` requests served at once; more get 503 with Retry-After. */
  maxConcurrentClones: number;
  /** A clone with no bytes flowing either way for this long is cut off, ms. */
  gitIdleTimeoutMs: number;
  /**
   * Git transfers one account may run at once (within `maxConcurrentClones`), so one account
   * cannot take every slot; more get 429 with Retry-After.
   */
  maxClonesPerUser: number;
  /**
   * Slowest git transfer kept, bytes per second both ways together, averaged over
   * `gitMinRateWindowMs`; a slower one is cut off, freeing its slot. 0: no minimum.
   */
  gitMinBytesPerSecond: number;
  /** Window the transfer rate is averaged over, ms; a transfer is first judged once it is this old. */
  gitMinRateWindowMs: number;
  /** Largest pack one `git push` may send, bytes (git's `receive.maxInputSize`). Default 50 MiB. */
  pushMaxPackBytes: number;
  /** Files one push may add, edit, delete or rename. Default 1000. */
  pushMaxFiles: number;
  /** Largest file a push may hold, bytes. Default 4 MiB (the editor's own file cap, `maxFileChars`). */
  pushMaxFileBytes: number;
  /** Sessions one account may own; creating one more fails with ERR_LIMIT_REACHED. */
  maxSessionsPerUser: number;
  /**
   * The origin people use to reach this server (`https://gitpad.lan`), without a path: invite
   * links are built from it. Unset: from the address the request arrived at (never the Host header).
   */
  publicUrl: string | undefined;
  /** Socket.io connections (browser tabs, scripts) one account may hold at once; more are refused. */
  maxSocketsPerUser: number;
  /**
   * The domain of the e-mail a user's commits carry until they set their own: `<username>@<domain>`.
   * Unset: the host of `publicUrl`, else this machine's host name, so it stays the same from one
   * start to the next.
   */
  gitEmailDomain: string;
  /**
   * Longest one diff (or one commit's history stats) may compute, ms; past it the diff fails with
   * ERR_DIFF_TOO_LARGE (its stats show the files as too large to compare). Diffs run in worker
   * threads, so this bounds the wait, not a stall: the event loop never runs them.
   */
  diffTimeoutMs: number;
  /**
   * Most lines (context included) one diff sends as hunks; files past it come back `tooLarge`,
   * counted but not shown, and the `text/x-diff` form fails with ERR_DIFF_TOO_LARGE.
   */
  diffMaxLines: number;
  /** Worker threads computing diffs (each runs one diff at a time). */
  diffWorkers: number;
  /**
   * Longest one search or replace across a session's files may run, ms (a worker thread, stopped
   * past it: a hostile regex fails with ERR_SEARCH_TOO_SLOW). Results found within about half of
   * it are sent `truncated` rather than waiting for the rest.
   */
  searchTimeoutMs: number;
  /** Most matches one search returns; past it the answer is `truncated`. */
  searchMaxResults: number;
  /**
   * Edits (ShareDB ops) one account may submit, per second, summed over its tabs; past the burst
   * an op is refused with ERR_RATE_LIMITED and the editor rolls it back. Generous by default (fast
   * typing is ~10/s, a paste is one op); a team with bots or a benchmark raises it. 0: no limit.
   */
  opRatePerSecond: number;
  /** Edits one account may submit at once before `opRatePerSecond` applies (a reconnect flushing queued edits). */
  opRateBurst: number;
  /**
   * Registrations from one IP address, per minute, against account spam; behind one reverse proxy
   * every LAN user shares an IP (see TRUST_PROXY). 0: no limit.
   */
  authRatePerMinute: number;
  /** Registrations from one IP address at once before `authRatePerMinute` applies (a class signing up together). */
  authRateBurst: number;
  /** Failed logins from one IP address across all usernames, per minute, against password spraying. 0: no limit. */
  loginFailuresPerMinute: number;
  /** Failed logins from one IP address at once before `loginFailuresPerMinute` applies. */
  loginFailuresBurst: number;
  /** Failed logins of one (IP, username) pair before backoff starts. */
  loginFreeFailures: number;
  /** The wait after the first failure past the free ones, ms; doubles with each further failure. 0: no backoff. */
  loginBackoffMs: number;
  /** The longest backoff wait, ms. */
  loginBackoffMaxMs: number;
  /** Chat messages one account may send, per second (fractions allowed). 0: no limit. */
  chatRatePerSecond: number;
  /** Chat messages one account may send at once before `chatRatePerSecond` applies. */
  chatRateBurst: number;
  /** OpenID Connect sign-in (`OIDC_*`, see config/oidc.ts); null: not offered. */
  oidc: OidcConfig | null;
  /**
   * Local passwords (`AUTH_LOCAL_PASSWORDS`, `on`|`off`): off refuses registration, password login,
   * password change and git Basic auth with a password (ERR_LOCAL_LOGIN_DISABLED), leaving
   * directory sign-in and personal access tokens. No break-glass login: turn it back on to recover.
   */
  localPasswords: boolean;
  /** LDAP sign-in (`LDAP_*`, config/ldap.ts); undefined when `LDAP_URL` is unset. */
  ldap: LdapConfig | undefined;
}

export const DEFAULTS: Readonly<Config> = Object.freeze({
  port: 3000,
  host: '0.0.0.0',
  dataDir: './data',
  reposDir: './repos',
  jwtSecret: undefined,
  tokenTtlSeconds: 7 * 24 * 3600,
  logLevel: 'info',
  logFormat: 'text',
  metricsToken: undefined,
  mongodbUrl: undefined,
  redisUrl: undefined,
  maxFileChars: 4 * 1024 * 1024,
  maxOpChars: 1024 * 1024,
  maxSocketMessageBytes: 32 * 1024 * 1024,
  maxFilesPerSession: 5000,
  maxBodyBytes: 8 * 1024 * 1024,
  maxBinaryBytes: 20 * 1024 * 1024,
  maxImportBytes: 100 * 1024 * 1024,
  maxImportEntries: 10000,
  commitIdleMs: 5000,
  commitMaxMs: 60000,
  commitRetryMaxMs: 60000,
  clientDir: './dist/client',
  tlsCertFile: undefined,
  tlsKeyFile: undefined,
  trustProxy: false,
  maxConcurrentClones: 8,
  gitIdleTimeoutMs: 60_000,
  maxClonesPerUser: 2,
  gitMinBytesPerSecond: 1024,
  gitMinRateWindowMs: 10_000,
  pushMaxPackBytes: 50 * 1024 * 1024,
  pushMaxFiles: 1000,
  pushMaxFileBytes: 4 * 1024 * 1024,
  maxSessionsPerUser: 100,
  publicUrl: undefined,
  maxSocketsPerUser: 32,
  // Derived when unset (see Config.gitEmailDomain).
  gitEmailDomain: '',
  diffTimeoutMs: 10_000,
  diffMaxLines: 20_000,
  diffWorkers: 1,
  searchTimeoutMs: 3000,
  searchMaxResults: 2000,
  opRatePerSecond: 400,
  opRateBurst: 2000,
  authRatePerMinute: 20,
  authRateBurst: 20,
  loginFailuresPerMinute: 60,
  loginFailuresBurst: 100,
  loginFreeFailures: 5,
  loginBackoffMs: 1000,
  loginBackoffMaxMs: 5 * 60_000,
  chatRatePerSecond: 1,
  chatRateBurst: 10,
  oidc: null,
  localPasswords: true,
  ldap: undefined,
});

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];
const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** Read and validate configuration from `env`. Relative directories resolve against `cwd`. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const str = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const int = (name: string, def: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return def;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return def;
    }
    return Number(raw);
  };
  /** A non-negative rate, decimals allowed (`0.5` chat messages a second); 0 turns the limit off. */
  const rate = (name: string, def: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return def;
    if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) > max) {
      problems.push(`${name} must be a number from 0 (no limit) to ${max} (got "${raw}")`);
      return def;
    }
    return Number(raw);
  };
  const bool = (name: string, def: boolean): boolean => {
    const raw = str(name);
    if (raw === undefined) return def;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return def;
  };
  const dir = (name: string, def: string) => path.resolve(cwd, str(name) ?? def);

  const logLevel = (str('LOG_LEVEL') ?? DEFAULTS.logLevel) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  const logFormat = (str('LOG_FORMAT') ?? DEFAULTS.logFormat) as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) {
    problems.push(`LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')} (got "${logFormat}")`);
  }
  const metricsToken = str('METRICS_TOKEN');
  // Sent in a header by a scraper: printable ASCII without spaces, long enough not to be guessed.
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,}$/.test(metricsToken)) {
    problems.push('METRICS_TOKEN must be at least 16 printable characters without spaces (or unset)');
  }
  const jwtSecret = str('JWT_SECRET');
  if (jwtSecret !== undefined && jwtSecret.length < 32) {
    problems.push('JWT_SECRET must be at least 32 characters (or unset, to generate one)');
  }
  const host = str('HOST') ?? DEFAULTS.host;
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host))
    problems.push(`HOST must be an address or host name (got "${host}")`);
  const mongodbUrl = str('MONGODB_URL');
  if (mongodbUrl !== undefined && !/^mongodb(\+srv)?:\/\//.test(mongodbUrl)) {
    problems.push('MONGODB_URL must start with mongodb:// or mongodb+srv://');
  }
  const redisUrl = str('REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\//.test(redisUrl))
    problems.push('REDIS_URL must start with redis://');
  if (redisUrl !== undefined && mongodbUrl === undefined) {
    problems.push(
      'REDIS_URL is for several processes sharing MongoDB: set MONGODB_URL too (the embedded store is one process)',
    );
  }
  const tlsCertFile = str('TLS_CERT_FILE');
  const tlsKeyFile = str('TLS_KEY_FILE');
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }

  const publicUrl = parsePublicUrl(str('PUBLIC_URL'), problems);
  const gitEmailDomain = (str('GIT_EMAIL_DOMAIN') ?? defaultEmailDomain(publicUrl)).toLowerCase();
  if (!DOMAIN.test(gitEmailDomain) || gitEmailDomain.length > 253) {
    problems.push(`GIT_EMAIL_DOMAIN must be a host name like gitpad.lan (got "${gitEmailDomain}")`);
  }

  const config: Config = {
    port: int('PORT', DEFAULTS.port, 0, 65535),
    host,
    dataDir: dir('DATA_DIR', DEFAULTS.dataDir),
    reposDir: dir('REPOS_DIR', DEFAULTS.reposDir),
    jwtSecret,
    tokenTtlSeconds: int('TOKEN_TTL_SECONDS', DEFAULTS.tokenTtlSeconds, 60, 365 * 24 * 3600),
    logLevel,
    logFormat,
    metricsToken,
    mongodbUrl,
    redisUrl,
    maxFileChars: int('MAX_FILE_CHARS', DEFAULTS.maxFileChars, 1024, 64 * 1024 * 1024),
    maxOpChars: int('MAX_OP_CHARS', DEFAULTS.maxOpChars, 1024, 64 * 1024 * 1024),
    maxSocketMessageBytes: int(
      'MAX_SOCKET_MESSAGE_BYTES',
      DEFAULTS.maxSocketMessageBytes,
      64 * 1024,
      1024 ** 3,
    ),
    maxFilesPerSession: int('MAX_FILES_PER_SESSION', DEFAULTS.maxFilesPerSession, 1, 1_000_000),
    maxBodyBytes: int('MAX_BODY_BYTES', DEFAULTS.maxBodyBytes, 1024, 1024 ** 3),
    maxBinaryBytes: int('MAX_BINARY_BYTES', DEFAULTS.maxBinaryBytes, 1024, 1024 ** 3),
    maxImportBytes: int('MAX_IMPORT_BYTES', DEFAULTS.maxImportBytes, 1024, 8 * 1024 ** 3),
    maxImportEntries: int('MAX_IMPORT_ENTRIES', DEFAULTS.maxImportEntries, 1, 1_000_000),
    commitIdleMs: int('COMMIT_IDLE_MS', DEFAULTS.commitIdleMs, 10, 3_600_000),
    commitMaxMs: int('COMMIT_MAX_MS', DEFAULTS.commitMaxMs, 10, 24 * 3_600_000),
    commitRetryMaxMs: int('COMMIT_RETRY_MAX_MS', DEFAULTS.commitRetryMaxMs, 10, 3_600_000),
    clientDir: dir('CLIENT_DIR', DEFAULTS.clientDir),
    tlsCertFile: tlsCertFile && path.resolve(cwd, tlsCertFile),
    tlsKeyFile: tlsKeyFile && path.resolve(cwd, tlsKeyFile),
    trustProxy: bool('TRUST_PROXY', DEFAULTS.trustProxy),
    maxConcurrentClones: int('MAX_CONCURRENT_CLONES', DEFAULTS.maxConcurrentClones, 1, 1000),
    gitIdleTimeoutMs: int('GIT_IDLE_TIMEOUT_MS', DEFAULTS.gitIdleTimeoutMs, 100, 3_600_000),
    maxClonesPerUser: int('MAX_CLONES_PER_USER', DEFAULTS.maxClonesPerUser, 1, 1000),
    gitMinBytesPerSecond: int('GIT_MIN_BYTES_PER_SECOND', DEFAULTS.gitMinBytesPerSecond, 0, 1024 ** 3),
    gitMinRateWindowMs: int('GIT_MIN_RATE_WINDOW_MS', DEFAULTS.gitMinRateWindowMs, 100, 3_600_000),
    pushMaxPackBytes: int('PUSH_MAX_PACK_BYTES', DEFAULTS.pushMaxPackBytes, 1024, 1024 ** 3),
    pushMaxFiles: int('PUSH_MAX_FILES', DEFAULTS.pushMaxFiles, 1, 1_000_000),
    pushMaxFileBytes: int('PUSH_MAX_FILE_BYTES', DEFAULTS.pushMaxFileBytes, 1, 64 * 1024 * 1024),
    maxSessionsPerUser: int('MAX_SESSIONS_PER_USER', DEFAULTS.maxSessionsPerUser, 1, 1_000_000),
    publicUrl,
    maxSocketsPerUser: int('MAX_SOCKETS_PER_USER', DEFAULTS.maxSocketsPerUser, 1, 100_000),
    gitEmailDomain,
    diffTimeoutMs: int('DIFF_TIMEOUT_MS', DEFAULTS.diffTimeoutMs, 100, 600_000),
    diffMaxLines: int('DIFF_MAX_LINES', DEFAULTS.diffMaxLines, 100, 10_000_000),
    diffWorkers: int('DIFF_WORKERS', DEFAULTS.diffWorkers, 1, 64),
    searchTimeoutMs: int('SEARCH_TIMEOUT_MS', DEFAULTS.searchTimeoutMs, 100, 600_000),
    searchMaxResults: int('SEARCH_MAX_RESULTS', DEFAULTS.searchMaxResults, 1, 1_000_000),
    opRatePerSecond: rate('OP_RATE_PER_SECOND', DEFAULTS.opRatePerSecond, 1e9),
    opRateBurst: int('OP_RATE_BURST', DEFAULTS.opRateBurst, 1, 1e9),
    authRatePerMinute: rate('AUTH_RATE_PER_MINUTE', DEFAULTS.authRatePerMinute, 1e9),
    authRateBurst: int('AUTH_RATE_BURST', DEFAULTS.authRateBurst, 1, 1e9),
    loginFailuresPerMinute: rate('LOGIN_FAILURES_PER_MINUTE', DEFAULTS.loginFailuresPerMinute, 1e9),
    loginFailuresBurst: int('LOGIN_FAILURES_BURST', DEFAULTS.loginFailuresBurst, 1, 1e9),
    loginFreeFailures: int('LOGIN_FREE_FAILURES', DEFAULTS.loginFreeFailures, 0, 1e9),
    loginBackoffMs: int('LOGIN_BACKOFF_MS', DEFAULTS.loginBackoffMs, 0, 24 * 3_600_000),
    loginBackoffMaxMs: int('LOGIN_BACKOFF_MAX_MS', DEFAULTS.loginBackoffMaxMs, 0, 24 * 3_600_000),
    chatRatePerSecond: rate('CHAT_RATE_PER_SECOND', DEFAULTS.chatRatePerSecond, 1e9),
    chatRateBurst: int('CHAT_RATE_BURST', DEFAULTS.chatRateBurst, 1, 1e9),
    oidc: loadOidcConfig(str, problems),
    localPasswords: bool('AUTH_LOCAL_PASSWORDS', DEFAULTS.localPasswords),
    ldap: loadLdapConfig({
      str,
      raw: (name) => (env[name] === undefined || env[name] === '' ? undefined : env[name]),
      bool,
      int,
      problems,
      cwd,
    }),
  };
  // A snapshot is sent as one socket message: UTF-16 text can take up to 3 bytes a unit in JSON.
  if (config.maxSocketMessageBytes < config.maxFileChars * 3 + 64 * 1024) {
    problems.push(
      `MAX_SOCKET_MESSAGE_BYTES (${config.maxSocketMessageBytes}) must exceed 3 × MAX_FILE_CHARS + 64 KiB ` +
        `(${config.maxFileChars * 3 + 64 * 1024}) so the largest file fits in one message`,
    );
  }
  if (config.loginBackoffMaxMs < config.loginBackoffMs)
    problems.push('LOGIN_BACKOFF_MAX_MS must be at least LOGIN_BACKOFF_MS');
  if (config.commitMaxMs < config.commitIdleMs)
    problems.push('COMMIT_MAX_MS must be at least COMMIT_IDLE_MS');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Dot-separated labels of letters, digits and inner hyphens (an IPv4 address passes too). */
const DOMAIN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** The host of PUBLIC_URL (not an IPv6 literal), else the machine's host name made safe for an e-mail. */
function defaultEmailDomain(publicUrl: string | undefined): string {
  const fromUrl = publicUrl ? new URL(publicUrl).hostname : '';
  if (fromUrl && !fromUrl.startsWith('[')) return fromUrl;
  const host = os
    .hostname()
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return DOMAIN.test(host) ? host : 'localhost';
}

/** `PUBLIC_URL` as an origin (`scheme://host[:port]`, no trailing slash), or undefined when unset. */
function parsePublicUrl(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined) return undefined;
  const bad = () => {
    problems.push(
      `PUBLIC_URL must be an absolute http:// or https:// address without a path, like https://gitpad.lan:3000 (got "${raw}")`,
    );
    return undefined;
  };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return bad();
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return bad();
  // The client's assets and API live at the root: a path prefix could not work, so it is refused.
  if (
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  )
    return bad();
  return url.origin;
}
