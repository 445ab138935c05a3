/**
 * Password sign-in against an LDAP directory (issue 16, item 1), with `ldapts`. One short-lived
 * connection per login:
 *
 * 1. connect (`ldaps://`, or `ldap://` upgraded with StartTLS when configured; LDAP_CA_FILE
 *    trusted), bounded by LDAP_TIMEOUT_MS;
 * 2. bind as the service account (LDAP_BIND_DN; anonymous when unset) and search LDAP_SEARCH_BASE
 *    with LDAP_USER_FILTER, the typed username escaped per RFC 4515: exactly one entry, or the
 *    username is unknown here;
 * 3. when LDAP_GROUP_DN is set, ask (still as the service account) whether the entry is a member;
 * 4. bind as the entry's DN with the typed password: that is the password check (an empty password
 *    is refused before, since LDAP treats it as an anonymous bind that succeeds);
 * 5. a non-member is refused only now, to someone who knew the password.
 *
 * A directory that cannot be reached, times out, fails TLS or refuses the service account is
 * ERR_DIRECTORY_UNAVAILABLE (503, logged with the reason): never "wrong password".
 */
import fs from 'node:fs';
import net from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, type Entry, InvalidCredentialsError, ResultCodeError } from 'ldapts';
import type { LdapConfig } from '../config/ldap.js';
import { AppError } from '../errors/app-error.js';
import type { Logger } from '../log/index.js';
import type { ExternalIdentity } from './external-accounts.js';
import { badCredentials, type PasswordDirectory } from './password-sign-in.js';

/** A value placed in a search filter, per RFC 4515 § 3: `*`, `(`, `)`, `\` and NUL are escaped. */
export function escapeFilterValue(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL must be escaped too
  return value.replace(/[*()\\\u0000]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `template` with every `{username}` replaced by the escaped username. */
export function userFilter(template: string, username: string): string {
  return template.split('{username}').join(escapeFilterValue(username));
}

const unavailable = (message = 'The sign-in directory cannot be reached right now. Try again in a moment.') =>
  new AppError('ERR_DIRECTORY_UNAVAILABLE', message);

/** An attribute's first value as text (binary ids, such as AD's objectGUID, as hex). */
function first(entry: Entry, attribute: string): string | null {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  if (key === undefined) return null;
  const raw = entry[key];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return null;
  const text = Buffer.isBuffer(value) ? value.toString('hex') : String(value);
  return text === '' ? null : text;
}

export class LdapDirectory implements PasswordDirectory {
  readonly source = 'ldap' as const;
  private readonly tls: ConnectionOptions;
  private readonly host: string;

  constructor(
    private readonly config: LdapConfig,
    private readonly logger: Logger,
  ) {
    this.host = new URL(config.url).hostname.replace(/^\[|\]$/g, '');
    // Read once at start: a missing CA file fails the start, not a login.
    const ca = config.caFile ? fs.readFileSync(config.caFile) : undefined;
    this.tls = {
      ...(ca ? { ca } : {}),
      host: this.host,
      // SNI takes host names only; an address is checked against the certificate's IP SANs.
      ...(net.isIP(this.host) ? {} : { servername: this.host }),
    };
    if (config.url.startsWith('ldap:') && !config.startTls)
      logger.warn(
        'LDAP without TLS: passwords cross the network in clear (set LDAP_STARTTLS or use ldaps://)',
        {
          url: config.url,
        },
      );
  }

  async authenticate(username: string, password: string): Promise<ExternalIdentity | null> {
    // Nothing a filter or a bind could misread: an empty password is an anonymous bind to LDAP.
    if (username === '' || password === '') return null;
    const client = new Client({
      url: this.config.url,
      timeout: this.config.timeoutMs,
      connectTimeout: this.config.timeoutMs,
      // ldapts speaks TLS from the start whenever tlsOptions are given, so only for ldaps://.
      ...(this.config.url.startsWith('ldaps:') ? { tlsOptions: this.tls } : {}),
    });
    // Each operation is bounded by `timeout`; the TLS handshake of StartTLS is not, so the whole
    // sign-in gets a ceiling too.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('LDAP sign-in timed out')), this.config.timeoutMs * 4);
    });
    try {
      return await Promise.race([this.run(client, username, password), deadline]);
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.logger.warn('LDAP directory unavailable', { url: this.config.url, error: String(err) });
      throw unavailable();
    } finally {
      clearTimeout(timer);
      client.unbind().catch(() => {});
    }
  }

  private async run(client: Client, username: string, password: string): Promise<ExternalIdentity | null> {
    const c = this.config;
    if (c.startTls) await client.startTLS(this.tls);
    if (c.bindDn !== undefined) {
      try {
        await client.bind(c.bindDn, c.bindPassword);
      } catch (err) {
        // The service account itself refused: the server's setup, not the person's password.
        if (err instanceof ResultCodeError) {
          this.logger.error('LDAP service account bind refused: check LDAP_BIND_DN and LDAP_BIND_PASSWORD', {
            code: err.code,
          });
          throw unavailable();
        }
        throw err;
      }
    }
    const attributes = [c.usernameAttribute, c.displayNameAttribute, c.mailAttribute, c.idAttribute];
    const { searchEntries } = await client
      .search(c.searchBase, {
        scope: 'sub',
        filter: userFilter(c.userFilter, username),
        attributes,
        // Two are enough to know it is not exactly one.
        sizeLimit: 2,
        timeLimit: Math.ceil(c.timeoutMs / 1000),
        explicitBufferAttributes: c.idAttribute.toLowerCase() === 'objectguid' ? [c.idAttribute] : [],
      })
      .catch((err: unknown) => {
        // More than one match stops at the size limit: as ambiguous as two entries.
        if (err instanceof ResultCodeError && err.code === 4) return { searchEntries: [{}, {}] as Entry[] };
        throw err;
      });
    if (searchEntries.length !== 1) {
      if (searchEntries.length > 1)
        this.logger.warn('LDAP user filter matched several entries: nobody signs in with that name', {
          username,
        });
      return null;
    }
    const entry = searchEntries[0]!;
    const member = c.groupDn === undefined ? true : await this.isMember(client, entry);
    try {
      await client.bind(entry.dn, password);
    } catch (err) {
      if (err instanceof InvalidCredentialsError) throw badCredentials();
      // Other refusals of the person's bind (locked by a password policy, unwilling to perform)
      // are about the person, not the directory being down.
      if (err instanceof ResultCodeError) {
        this.logger.info('LDAP bind refused', { username, code: err.code });
        throw badCredentials();
      }
      throw err;
    }
    if (!member)
      throw new AppError(
        'ERR_FORBIDDEN',
        'Your directory account is not in the group allowed to use Gitpad. Ask the server’s admin.',
      );
    const directoryName = first(entry, c.usernameAttribute) ?? username;
    return {
      source: 'ldap',
      externalId: first(entry, c.idAttribute) ?? entry.dn,
      username: directoryName,
      displayName: first(entry, c.displayNameAttribute) ?? directoryName,
      email: first(entry, c.mailAttribute),
    };
  }

  /** Whether the group LDAP_GROUP_DN lists `entry` (by DN, or by username for `memberUid`). */
  private async isMember(client: Client, entry: Entry): Promise<boolean> {
    const c = this.config;
    const byName = c.groupMemberAttribute.toLowerCase() === 'memberuid';
    const value = byName ? first(entry, c.usernameAttribute) : entry.dn;
    if (value === null) return false;
    try {
      const { searchEntries } = await client.search(c.groupDn!, {
        scope: 'base',
        filter: `(${c.groupMemberAttribute}=${escapeFilterValue(value)})`,
        attributes: ['1.1'],
      });
      return searchEntries.length === 1;
    } catch (err) {
      // No such group: nobody is a member (and the admin should know).
      if (err instanceof ResultCodeError && err.code === 32) {
        this.logger.error('LDAP_GROUP_DN does not exist in the directory: nobody can sign in', {
          groupDn: c.groupDn,
        });
        return false;
      }
      throw err;
    }
  }
}
