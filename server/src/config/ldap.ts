/**
 * LDAP sign-in settings (`LDAP_*`, README configuration table, docs/deployment.md § 8). LDAP is
 * on when `LDAP_URL` is set; every other variable is then checked together, so a half-written
 * setup is refused at start with every problem listed, never found at someone's first login.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface LdapConfig {
  /** `ldap://host[:port]` or `ldaps://host[:port]`, no path. */
  url: string;
  /** Upgrade an `ldap://` connection with StartTLS before anything is sent (never with ldaps). */
  startTls: boolean;
  /** PEM file of the CA(s) that signed the directory's certificate; unset: the system's CAs. */
  caFile: string | undefined;
  /** Service account the user search binds as; unset: an anonymous search. */
  bindDn: string | undefined;
  bindPassword: string | undefined;
  /** Where people are searched for (subtree). */
  searchBase: string;
  /**
   * The search filter with `{username}` where the typed username goes (escaped per RFC 4515).
   * Exactly one entry must match. Default `(uid={username})`.
   */
  userFilter: string;
  /** A group whose members alone may sign in; unset: whoever the user filter finds. */
  groupDn: string | undefined;
  /**
   * The group's attribute listing its members: DN-valued (`member`, `uniqueMember`) or, for
   * `memberUid` (posixGroup), the person's username attribute value.
   */
  groupMemberAttribute: string;
  /** The person's login name in the directory (becomes the Gitpad username at the first sign-in). */
  usernameAttribute: string;
  displayNameAttribute: string;
  mailAttribute: string;
  /** The directory's stable, never reassigned id for the person; the entry's DN when it has none. */
  idAttribute: string;
  /** Longest wait for the connection, and for each operation on it, ms. */
  timeoutMs: number;
}

export const LDAP_DEFAULTS = {
  userFilter: '(uid={username})',
  groupMemberAttribute: 'member',
  usernameAttribute: 'uid',
  displayNameAttribute: 'cn',
  mailAttribute: 'mail',
  idAttribute: 'entryUUID',
  timeoutMs: 5000,
} as const;

/** What config/index.ts lends: raw variables and the problem list. */
export interface LdapEnvReader {
  str(name: string): string | undefined;
  /** The variable exactly as set, untrimmed; undefined when unset or empty. */
  raw(name: string): string | undefined;
  bool(name: string, def: boolean): boolean;
  int(name: string, def: number, min: number, max: number): number;
  problems: string[];
  cwd: string;
}

const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]*$/;

/** The LDAP settings, or undefined when `LDAP_URL` is unset (other LDAP_* variables are then refused). */
export function loadLdapConfig(r: LdapEnvReader): LdapConfig | undefined {
  const { str, problems } = r;
  const url = str('LDAP_URL');
  if (url === undefined) {
    const stray = [
      'LDAP_STARTTLS',
      'LDAP_CA_FILE',
      'LDAP_BIND_DN',
      'LDAP_BIND_PASSWORD',
      'LDAP_SEARCH_BASE',
      'LDAP_USER_FILTER',
      'LDAP_GROUP_DN',
    ].filter((n) => str(n) !== undefined);
    if (stray.length) problems.push(`${stray.join(', ')} set without LDAP_URL: set LDAP_URL to turn LDAP on`);
    return undefined;
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (
    !parsed ||
    (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:') ||
    !parsed.hostname ||
    (parsed.pathname !== '' && parsed.pathname !== '/') ||
    parsed.search ||
    parsed.username
  ) {
    problems.push(`LDAP_URL must be ldap://host[:port] or ldaps://host[:port] without a path (got "${url}")`);
  }
  const startTls = r.bool('LDAP_STARTTLS', false);
  if (startTls && parsed?.protocol === 'ldaps:')
    problems.push('LDAP_STARTTLS is for ldap:// URLs: an ldaps:// connection is TLS from the start');
  const caRaw = str('LDAP_CA_FILE');
  const caFile = caRaw === undefined ? undefined : path.resolve(r.cwd, caRaw);
  if (caFile !== undefined && !isReadableFile(caFile))
    problems.push(`LDAP_CA_FILE must be a readable PEM file (got "${caRaw}")`);
  if (caFile !== undefined && parsed?.protocol === 'ldap:' && !startTls)
    problems.push('LDAP_CA_FILE is used with ldaps:// or LDAP_STARTTLS=true: set one of them');
  const bindDn = str('LDAP_BIND_DN');
  // The password is taken as written (spaces may be part of it), but not empty.
  const bindPassword = r.raw('LDAP_BIND_PASSWORD');
  if ((bindDn === undefined) !== (bindPassword === undefined))
    problems.push(
      'LDAP_BIND_DN and LDAP_BIND_PASSWORD must be set together (or neither, for an anonymous search)',
    );
  const searchBase = str('LDAP_SEARCH_BASE');
  if (searchBase === undefined)
    problems.push('LDAP_SEARCH_BASE is required with LDAP_URL (e.g. ou=people,dc=example,dc=org)');
  const userFilter = str('LDAP_USER_FILTER') ?? LDAP_DEFAULTS.userFilter;
  if (!userFilter.includes('{username}') || !/^\(.*\)$/.test(userFilter) || !balanced(userFilter))
    problems.push(
      `LDAP_USER_FILTER must be an LDAP filter in parentheses with {username} where the username goes (got "${userFilter}")`,
    );
  const attribute = (name: string, def: string) => {
    const v = str(name) ?? def;
    if (!ATTRIBUTE.test(v)) problems.push(`${name} must be an attribute name like ${def} (got "${v}")`);
    return v;
  };
  return {
    url: parsed ? `${parsed.protocol}//${parsed.host}` : url,
    startTls,
    caFile,
    bindDn,
    bindPassword,
    searchBase: searchBase ?? '',
    userFilter,
    groupDn: str('LDAP_GROUP_DN'),
    groupMemberAttribute: attribute('LDAP_GROUP_MEMBER_ATTRIBUTE', LDAP_DEFAULTS.groupMemberAttribute),
    usernameAttribute: attribute('LDAP_USERNAME_ATTRIBUTE', LDAP_DEFAULTS.usernameAttribute),
    displayNameAttribute: attribute('LDAP_DISPLAY_NAME_ATTRIBUTE', LDAP_DEFAULTS.displayNameAttribute),
    mailAttribute: attribute('LDAP_MAIL_ATTRIBUTE', LDAP_DEFAULTS.mailAttribute),
    idAttribute: attribute('LDAP_ID_ATTRIBUTE', LDAP_DEFAULTS.idAttribute),
    timeoutMs: r.int('LDAP_TIMEOUT_MS', LDAP_DEFAULTS.timeoutMs, 100, 120_000),
  };
}

function isReadableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Parentheses balance and never close more than they opened (escaped ones are `\28`/`\29`). */
function balanced(filter: string): boolean {
  let depth = 0;
  for (const ch of filter) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}
