/**
 * LDAP sign-in against a real OpenLDAP slapd started by the test (helpers/slapd.ts): the first
 * sign-in creates the account and later ones find it, the group and the lock are enforced, wrong
 * passwords, unknown users, injections and a directory that is down each get their own answer,
 * TLS (StartTLS and ldaps) works with the CA and fails without it, and an LDAP account clones
 * with a personal access token.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { escapeFilterValue, userFilter } from '../../src/auth/ldap.js';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import {
  api,
  createSession,
  registerUser,
  type StartOptions,
  startServer,
  type TestServer,
} from '../helpers/server.js';
import { freePort, LDAP_BASE, type Slapd, startSlapd } from '../helpers/slapd.js';

const PEOPLE = `ou=people,${LDAP_BASE}`;
const GROUP = `cn=gitpad-users,ou=groups,${LDAP_BASE}`;
const SERVICE_DN = `cn=gitpad,ou=services,${LDAP_BASE}`;
const SERVICE_PASSWORD = 'service-secret';

const person = (uid: string, cn: string, password: string, extra = '') => `dn: uid=${uid},${PEOPLE}
objectClass: inetOrgPerson
uid: ${uid}
cn: ${cn}
sn: ${cn.split(' ').pop()}
mail: ${uid}@example.org
userPassword: ${password}
${extra}`;

const DIRECTORY = `dn: ou=people,${LDAP_BASE}
objectClass: organizationalUnit
ou: people

dn: ou=others,${LDAP_BASE}
objectClass: organizationalUnit
ou: others

dn: ou=services,${LDAP_BASE}
objectClass: organizationalUnit
ou: services

dn: ou=groups,${LDAP_BASE}
objectClass: organizationalUnit
ou: groups

dn: ${SERVICE_DN}
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: gitpad
userPassword: ${SERVICE_PASSWORD}

${person('ada', 'Ada Lovelace', 'ada-password')}
${person('bob', 'Bob Outsider', 'bob-password')}
${person('carol', 'Carol Shaw', 'carol-password')}
${person('dave', 'Dave Locked', 'dave-password', 'pwdAccountLockedTime: 000001010000Z\n')}
${person('twin', 'Twin One', 'twin-password')}
dn: uid=twin,ou=others,${LDAP_BASE}
objectClass: inetOrgPerson
uid: twin
cn: Twin Two
sn: Two
userPassword: twin-password

dn: ${GROUP}
objectClass: groupOfNames
cn: gitpad-users
member: uid=ada,${PEOPLE}
member: uid=carol,${PEOPLE}
member: uid=dave,${PEOPLE}
member: uid=twin,${PEOPLE}
member: uid=twin,ou=others,${LDAP_BASE}
`;

/** The LDAP settings the tests start from; `extra` overrides or adds. */
function ldapEnv(slapd: Slapd, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LDAP_URL: slapd.url,
    LDAP_BIND_DN: SERVICE_DN,
    LDAP_BIND_PASSWORD: SERVICE_PASSWORD,
    LDAP_SEARCH_BASE: LDAP_BASE,
    // The lock a slapd admin sets (ppolicy's pwdAccountLockedTime) keeps the person out.
    LDAP_USER_FILTER: '(&(objectClass=inetOrgPerson)(uid={username})(!(pwdAccountLockedTime=*)))',
    LDAP_GROUP_DN: GROUP,
    LDAP_TIMEOUT_MS: '2000',
    ...extra,
  };
}

const login = (t: TestServer, username: string, password: string) =>
  api(t.url, 'POST', '/api/auth/login', { body: { username, password } });

describe('LDAP sign-in (real slapd)', function () {
  this.timeout(60_000);
  let slapd: Slapd;
  const servers: TestServer[] = [];
  const dirs: string[] = [];
  const start = async (env: Record<string, string>, opts: StartOptions = {}) => {
    const t = await startServer({ ...opts, env });
    servers.push(t);
    return t;
  };

  before(async () => {
    slapd = await startSlapd(DIRECTORY);
  });
  after(async () => {
    await slapd?.stop();
  });
  afterEach(async () => {
    for (const t of servers.splice(0)) await t.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('the first sign-in creates the account, the second finds it, and the display name follows the directory', async () => {
    const t = await start(ldapEnv(slapd));
    const policy = await api(t.url, 'GET', '/api/auth/policy');
    expect(policy.body.methods).to.deep.equal({ password: true, ldap: true, oidc: null });

    const first = await login(t, 'ada', 'ada-password');
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    expect(first.body.user).to.include({ username: 'ada', displayName: 'Ada Lovelace', isAdmin: true });
    const stored = await t.server.services.store.users.byId(first.body.user.id);
    expect(stored).to.include({ source: 'ldap', gitEmail: 'ada@example.org', passwordHash: '' });
    // The stable id is the entry's entryUUID, not its name.
    expect(stored?.externalId).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    const me = await api(t.url, 'GET', '/api/auth/me', { token: first.body.token });
    expect(me.body.user.username).to.equal('ada');

    await slapd.ldapmodify(`dn: uid=ada,${PEOPLE}\nchangetype: modify\nreplace: cn\ncn: Ada King\n`);
    try {
      const second = await login(t, 'ada', 'ada-password');
      expect(second.status).to.equal(200);
      expect(second.body.user).to.include({ id: first.body.user.id, displayName: 'Ada King' });
      expect(await t.server.services.store.users.count()).to.equal(1);
    } finally {
      await slapd.ldapmodify(`dn: uid=ada,${PEOPLE}\nchangetype: modify\nreplace: cn\ncn: Ada Lovelace\n`);
    }
  });

  it('a wrong password, an empty one, an unknown user and a locked account are refused with ERR_BAD_CREDENTIALS, creating nothing', async () => {
    const t = await start(ldapEnv(slapd));
    for (const [username, password] of [
      ['ada', 'wrong-password'],
      ['ada', ''],
      ['nobody', 'whatever-password'],
      // Locked in the directory (pwdAccountLockedTime): the user filter leaves it out.
      ['dave', 'dave-password'],
      // Two entries answer to "twin": nobody signs in with an ambiguous name.
      ['twin', 'twin-password'],
    ]) {
      const res = await login(t, username!, password!);
      expect([res.status, res.body.error?.code], `${username}/${password}`).to.deep.equal([
        401,
        'ERR_BAD_CREDENTIALS',
      ]);
    }
    expect(await t.server.services.store.users.count()).to.equal(0);
  });

  it('the group is required: a non-member with the right password gets ERR_FORBIDDEN, with a wrong one the usual 401', async () => {
    const t = await start(ldapEnv(slapd));
    const right = await login(t, 'bob', 'bob-password');
    expect([right.status, right.body.error.code]).to.deep.equal([403, 'ERR_FORBIDDEN']);
    const wrong = await login(t, 'bob', 'nope-nope');
    expect([wrong.status, wrong.body.error.code]).to.deep.equal([401, 'ERR_BAD_CREDENTIALS']);
    expect(await t.server.services.store.users.count()).to.equal(0);
    // Without a group everyone the filter finds may sign in.
    const open = await start(ldapEnv(slapd, { LDAP_GROUP_DN: '' }));
    expect((await login(open, 'bob', 'bob-password')).status).to.equal(200);
  });

  it('filter injections are escaped (RFC 4515): "*", "*)(uid=*" and friends match nobody', async () => {
    expect(escapeFilterValue('*)(uid=*')).to.equal('\\2a\\29\\28uid=\\2a');
    expect(escapeFilterValue('a\\b\u0000')).to.equal('a\\5cb\\00');
    expect(userFilter('(&(uid={username})(x={username}))', 'a*')).to.equal('(&(uid=a\\2a)(x=a\\2a))');
    const t = await start(ldapEnv(slapd, { LDAP_GROUP_DN: '' }));
    for (const username of ['*', '*)(uid=*', 'ad*', 'ada)(|(uid=*', '*)(objectClass=*))(|(uid=*', 'ada\\']) {
      for (const password of ['ada-password', 'x']) {
        const res = await login(t, username, password);
        expect([res.status, res.body.error?.code], username).to.deep.equal([401, 'ERR_BAD_CREDENTIALS']);
      }
    }
    expect(await t.server.services.store.users.count()).to.equal(0);
  });

  it('a directory that is down, silent, or refuses the service account answers 503 ERR_DIRECTORY_UNAVAILABLE in bounded time', async () => {
    const closed = await start(ldapEnv(slapd, { LDAP_URL: `ldap://127.0.0.1:${await freePort()}` }));
    const refused = await login(closed, 'ada', 'ada-password');
    expect([refused.status, refused.body.error.code]).to.deep.equal([503, 'ERR_DIRECTORY_UNAVAILABLE']);

    // Accepts the connection and never answers.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const t = await start(ldapEnv(slapd, { LDAP_URL: `ldap://127.0.0.1:${port}`, LDAP_TIMEOUT_MS: '300' }));
      const began = Date.now();
      const res = await login(t, 'ada', 'ada-password');
      expect([res.status, res.body.error.code]).to.deep.equal([503, 'ERR_DIRECTORY_UNAVAILABLE']);
      expect(Date.now() - began).to.be.below(5000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }

    const badService = await start(ldapEnv(slapd, { LDAP_BIND_PASSWORD: 'not-the-service-password' }));
    const res = await login(badService, 'ada', 'ada-password');
    expect([res.status, res.body.error.code]).to.deep.equal([503, 'ERR_DIRECTORY_UNAVAILABLE']);
  });

  it('StartTLS and ldaps work with LDAP_CA_FILE and fail (503) without it', async () => {
    const startTls = await start(ldapEnv(slapd, { LDAP_STARTTLS: 'true', LDAP_CA_FILE: slapd.caFile }));
    expect((await login(startTls, 'ada', 'ada-password')).status).to.equal(200);
    const ldaps = await start(ldapEnv(slapd, { LDAP_URL: slapd.ldapsUrl, LDAP_CA_FILE: slapd.caFile }));
    expect((await login(ldaps, 'carol', 'carol-password')).status).to.equal(200);
    // Without the CA the certificate is not trusted: the connection is refused, not the password.
    const untrustedStartTls = await start(ldapEnv(slapd, { LDAP_STARTTLS: 'true' }));
    const a = await login(untrustedStartTls, 'ada', 'ada-password');
    expect([a.status, a.body.error.code]).to.deep.equal([503, 'ERR_DIRECTORY_UNAVAILABLE']);
    const untrustedLdaps = await start(ldapEnv(slapd, { LDAP_URL: slapd.ldapsUrl }));
    const b = await login(untrustedLdaps, 'carol', 'carol-password');
    expect([b.status, b.body.error.code]).to.deep.equal([503, 'ERR_DIRECTORY_UNAVAILABLE']);
  });

  it('a local account and a directory person with the same name stay two accounts; each password opens its own', async () => {
    const t = await start(ldapEnv(slapd));
    const local = await registerUser(t.url, 'carol', 'local-carol-password');
    const asLocal = await login(t, 'carol', 'local-carol-password');
    expect(asLocal.body.user.id).to.equal(local.id);
    const asDirectory = await login(t, 'carol', 'carol-password');
    expect(asDirectory.status).to.equal(200);
    expect(asDirectory.body.user.id).to.not.equal(local.id);
    expect(asDirectory.body.user.username).to.equal('carol-2');
    // The directory account is found again by its directory id, under the name it got.
    const again = await login(t, 'carol', 'carol-password');
    expect(again.body.user.id).to.equal(asDirectory.body.user.id);
  });

  it('with local passwords off only the directory signs people in, and the login throttle covers it', async () => {
    const t = await start(ldapEnv(slapd, { AUTH_LOCAL_PASSWORDS: 'off' }), {
      loginThrottle: {
        freeFailures: 2,
        baseDelayMs: 60_000,
        maxDelayMs: 60_000,
        perIp: { perSecond: 0, burst: 0 },
      },
    });
    const policy = await api(t.url, 'GET', '/api/auth/policy');
    expect(policy.body.methods).to.deep.equal({ password: false, ldap: true, oidc: null });
    const register = await api(t.url, 'POST', '/api/auth/register', {
      body: { username: 'walkin', password: 'correct horse' },
    });
    expect(register.body.error.code).to.equal('ERR_LOCAL_LOGIN_DISABLED');
    expect((await login(t, 'ada', 'ada-password')).status).to.equal(200);
    // Wrong directory passwords count like wrong local ones: past the free failures, a wait.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await login(t, 'carol', `bad-${i}`)).status);
    expect(statuses.slice(0, 2)).to.deep.equal([401, 401]);
    expect(statuses.at(-1)).to.equal(429);
    const throttled = await login(t, 'carol', 'carol-password');
    expect([throttled.status, throttled.body.error.code]).to.deep.equal([429, 'ERR_RATE_LIMITED']);
  });

  it('an account the admin disabled is refused even though the directory accepts the password', async () => {
    const t = await start(ldapEnv(slapd));
    const admin = await registerUser(t.url, 'admin');
    const carol = await login(t, 'carol', 'carol-password');
    const disabled = await api(t.url, 'PATCH', `/api/admin/users/${carol.body.user.id}`, {
      token: admin.token,
      body: { disabled: true },
    });
    expect(disabled.status).to.equal(200);
    const res = await login(t, 'carol', 'carol-password');
    expect([res.status, res.body.error.code]).to.deep.equal([403, 'ERR_ACCOUNT_DISABLED']);
    const users = await api(t.url, 'GET', '/api/admin/users', { token: admin.token });
    expect(
      users.body.users.map((u: { username: string; source: string }) => [u.username, u.source]),
    ).to.deep.equal([
      ['admin', 'local'],
      ['carol', 'ldap'],
    ]);
  });

  it('an LDAP account makes a personal access token and clones a session with it (not with its LDAP password)', async () => {
    const t = await start(ldapEnv(slapd));
    const ada = await login(t, 'ada', 'ada-password');
    const owner = { id: ada.body.user.id, username: 'ada', token: ada.body.token };
    const session = await createSession(t.url, owner, { files: { 'notes.md': 'from the directory\n' } });
    const saved = await api(t.url, 'POST', `/api/sessions/${session.id}/versions`, {
      token: owner.token,
      body: { message: 'first' },
    });
    expect(saved.status, JSON.stringify(saved.body)).to.be.oneOf([200, 201]);
    const created = await api(t.url, 'POST', '/api/tokens', { token: owner.token, body: { name: 'laptop' } });
    expect(created.status).to.equal(201);
    const dir = tempDir();
    dirs.push(dir);
    const clone = await git([
      'clone',
      cloneUrl(t.url, session.id, 'ada', created.body.token),
      path.join(dir, 'c'),
    ]);
    expect(clone.code, clone.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(dir, 'c', 'notes.md'), 'utf8')).to.equal('from the directory\n');
    const withPassword = await git(['ls-remote', cloneUrl(t.url, session.id, 'ada', 'ada-password')]);
    expect(withPassword.code).to.not.equal(0);
  });
});
