/** The sign-in options of the config: local passwords (and the LDAP directory). */
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

/** The problems a config with `env` is refused for. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return expect.fail('expected a ConfigError');
}

describe('config: AUTH_LOCAL_PASSWORDS', () => {
  it('is on by default, and reads on and off', () => {
    expect(loadConfig({}).localPasswords).to.equal(true);
    expect(loadConfig({ AUTH_LOCAL_PASSWORDS: 'off' }).localPasswords).to.equal(false);
    expect(loadConfig({ AUTH_LOCAL_PASSWORDS: 'on' }).localPasswords).to.equal(true);
  });

  it('refuses anything else, naming the variable', () => {
    expect(problemsOf({ AUTH_LOCAL_PASSWORDS: 'sometimes' }).join('\n')).to.match(/AUTH_LOCAL_PASSWORDS/);
  });
});

const THIS_FILE = fileURLToPath(import.meta.url);

describe('config: LDAP_*', () => {
  const base = {
    LDAP_URL: 'ldap://ldap.lan',
    LDAP_SEARCH_BASE: 'ou=people,dc=lan',
  };

  it('is off without LDAP_URL, and on with defaults for everything but the search base', () => {
    expect(loadConfig({}).ldap).to.equal(undefined);
    expect(loadConfig(base).ldap).to.deep.equal({
      url: 'ldap://ldap.lan',
      startTls: false,
      caFile: undefined,
      bindDn: undefined,
      bindPassword: undefined,
      searchBase: 'ou=people,dc=lan',
      userFilter: '(uid={username})',
      groupDn: undefined,
      groupMemberAttribute: 'member',
      usernameAttribute: 'uid',
      displayNameAttribute: 'cn',
      mailAttribute: 'mail',
      idAttribute: 'entryUUID',
      timeoutMs: 5000,
    });
  });

  it('reads every setting, keeping the service password as written', () => {
    const c = loadConfig({
      LDAP_URL: 'ldaps://ldap.lan:1636/',
      LDAP_CA_FILE: THIS_FILE,
      LDAP_BIND_DN: 'cn=gitpad,dc=lan',
      LDAP_BIND_PASSWORD: ' spaced secret ',
      LDAP_SEARCH_BASE: 'dc=lan',
      LDAP_USER_FILTER: '(&(objectClass=person)(sAMAccountName={username}))',
      LDAP_GROUP_DN: 'cn=devs,dc=lan',
      LDAP_GROUP_MEMBER_ATTRIBUTE: 'memberUid',
      LDAP_USERNAME_ATTRIBUTE: 'sAMAccountName',
      LDAP_DISPLAY_NAME_ATTRIBUTE: 'displayName',
      LDAP_MAIL_ATTRIBUTE: 'userPrincipalName',
      LDAP_ID_ATTRIBUTE: 'objectGUID',
      LDAP_TIMEOUT_MS: '1500',
    }).ldap;
    expect(c).to.include({
      url: 'ldaps://ldap.lan:1636',
      caFile: THIS_FILE,
      bindPassword: ' spaced secret ',
      groupMemberAttribute: 'memberUid',
      idAttribute: 'objectGUID',
      timeoutMs: 1500,
    });
  });

  it('refuses a half-written setup, listing every problem', () => {
    const problems = problemsOf({
      LDAP_URL: 'http://ldap.lan/dc=lan',
      LDAP_STARTTLS: 'maybe',
      LDAP_CA_FILE: '/nonexistent/ca.pem',
      LDAP_BIND_DN: 'cn=gitpad,dc=lan',
      LDAP_USER_FILTER: 'uid=*',
      LDAP_ID_ATTRIBUTE: 'entry uuid',
      LDAP_TIMEOUT_MS: '5',
    }).join('\n');
    for (const name of [
      'LDAP_URL must be',
      'LDAP_STARTTLS',
      'LDAP_CA_FILE must be a readable',
      'LDAP_BIND_DN and LDAP_BIND_PASSWORD',
      'LDAP_SEARCH_BASE is required',
      'LDAP_USER_FILTER must',
      'LDAP_ID_ATTRIBUTE',
      'LDAP_TIMEOUT_MS',
    ])
      expect(problems).to.include(name);
    expect(problemsOf({ ...base, LDAP_URL: 'ldaps://ldap.lan', LDAP_STARTTLS: 'true' }).join()).to.match(
      /LDAP_STARTTLS is for ldap:\/\//,
    );
    expect(problemsOf({ ...base, LDAP_USER_FILTER: '(uid=alice)' }).join()).to.match(/\{username\}/);
    expect(problemsOf({ ...base, LDAP_USER_FILTER: '(uid={username}))(' }).join()).to.match(
      /LDAP_USER_FILTER/,
    );
    expect(problemsOf({ LDAP_SEARCH_BASE: 'dc=lan' }).join()).to.match(/without LDAP_URL/);
  });
});
