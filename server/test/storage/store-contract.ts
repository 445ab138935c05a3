/**
 * The store contract, written once: every `Store` implementation runs this suite
 * (store-contract.test.ts runs it against the embedded store, and against MongoDB when
 * MONGODB_URL is set).
 */
import { createRequire } from 'node:module';
import { expect } from 'chai';
import { AppError } from '../../src/errors/app-error.js';
import { authorOf, stampAuthor } from '../../src/ot/authorship.js';
import type { ErrorCode } from '../../src/protocol/errors.js';
import type {
  InviteRecord,
  LiveThreadRecord,
  SessionRecord,
  Store,
  UserRecord,
} from '../../src/storage/types.js';
import { describeActivityContract } from './activity-contract.js';

const require = createRequire(import.meta.url);
const { Backend } = require('sharedb') as { Backend: new (options: { db: unknown }) => any };

/** How the suite gets stores: a fresh empty one, and the same data opened again. */
export interface StoreHarness {
  /** Opens a fresh, empty store. */
  open(): Promise<Store>;
  /** Closes `store` and opens its data again (persistence). */
  reopen(store: Store): Promise<Store>;
  /** Removes everything `open` created; stores are already closed. */
  dispose(): Promise<void>;
}

const user = (id: string, username = id, extra: Partial<UserRecord> = {}): UserRecord => ({
  id,
  username,
  displayName: `User ${id}`,
  passwordHash: `hash-${id}`,
  isAdmin: false,
  createdAt: 1_700_000_000_000,
  tokensValidAfter: 0,
  gitName: null,
  gitEmail: null,
  disabled: false,
  source: 'local',
  externalId: null,
  ...extra,
});

const session = (id: string, createdAt: number, createdBy = 'alice'): SessionRecord => ({
  id,
  name: `Session ${id}`,
  createdBy,
  createdAt,
});

const invite = (token: string, extra: Partial<InviteRecord> = {}): InviteRecord => ({
  token,
  sessionId: 's1',
  role: 'editor',
  createdBy: 'alice',
  createdAt: 1000,
  expiresAt: null,
  maxUses: null,
  uses: 0,
  revoked: false,
  ...extra,
});

const thread = (id: string, extra: Partial<LiveThreadRecord> = {}): LiveThreadRecord => ({
  id,
  sessionId: 's1',
  fileId: 'f1',
  from: 3,
  to: 9,
  anchorVersion: 4,
  quote: 'quoted',
  detached: false,
  authorId: 'u1',
  body: `body of ${id}`,
  createdAt: 1000,
  editedAt: null,
  resolved: false,
  replies: [],
  rev: 1,
  notedRev: 0,
  ...extra,
});

/** Expects `promise` to reject with an AppError carrying `code`. */
async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal(code);
    return;
  }
  expect.fail(`expected ${code}`);
}

/** Registers the contract suite for one store implementation. */
export function describeStoreContract(name: string, makeHarness: () => StoreHarness): void {
  describe(`${name} store contract`, function () {
    this.timeout(30000);
    let harness: StoreHarness;
    let store: Store;

    beforeEach(async () => {
      harness = makeHarness();
      store = await harness.open();
    });
    afterEach(async () => {
      await store.close();
      await harness.dispose();
    });

    describe('users', () => {
      it('creates a user and finds it by id and by username', async () => {
        await store.users.create(user('u1', 'alice', { isAdmin: true }));
        expect(await store.users.byId('u1')).to.deep.equal(user('u1', 'alice', { isAdmin: true }));
        expect(await store.users.byUsername('alice')).to.deep.equal(user('u1', 'alice', { isAdmin: true }));
        expect(await store.users.byId('nobody')).to.equal(null);
        expect(await store.users.byUsername('nobody')).to.equal(null);
        expect(await store.users.count()).to.equal(1);
      });

      it('refuses a taken username with ERR_USERNAME_TAKEN and keeps the first user', async () => {
        await store.users.create(user('u1', 'alice'));
        await rejectsWith(store.users.create(user('u2', 'alice')), 'ERR_USERNAME_TAKEN');
        expect(await store.users.count()).to.equal(1);
        expect((await store.users.byUsername('alice'))?.id).to.equal('u1');
        expect(await store.users.byId('u2')).to.equal(null);
      });

      it('makes the first account admin, exactly one of many created at once, and no later one', async () => {
        const created = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.users.create(user(`u${i}`, `user${i}`))),
        );
        expect(created.filter((u) => u.isAdmin)).to.have.length(1);
        const stored = await Promise.all(created.map((u) => store.users.byId(u.id)));
        expect(stored.map((u) => u?.isAdmin)).to.deep.equal(created.map((u) => u.isAdmin));
        // Asking to be admin does not make anyone admin: the store decides.
        const later = await store.users.create(user('late', 'late', { isAdmin: true }));
        expect(later.isAdmin).to.equal(false);
        expect((await store.users.byId('late'))?.isAdmin).to.equal(false);
      });

      it('returns the created user as stored', async () => {
        const first = await store.users.create(user('u1', 'alice'));
        expect(first).to.deep.equal(user('u1', 'alice', { isAdmin: true }));
        expect(await store.users.create(user('u2', 'bob'))).to.deep.equal(user('u2', 'bob'));
      });

      it('updates only the fields in the patch', async () => {
        await store.users.create(user('u1', 'alice'));
        await store.users.update('u1', { displayName: 'Alice A.', tokensValidAfter: 42 });
        await store.users.update('u1', { isAdmin: true });
        expect(await store.users.byId('u1')).to.deep.equal(
          user('u1', 'alice', { displayName: 'Alice A.', tokensValidAfter: 42, isAdmin: true }),
        );
        await store.users.update('u1', { isAdmin: false, passwordHash: 'new' });
        const after = await store.users.byId('u1');
        expect(after?.isAdmin).to.equal(false);
        expect(after?.passwordHash).to.equal('new');
        expect(after?.displayName).to.equal('Alice A.');
      });

      it('sets a git name and e-mail, each on its own, and clears them back to the default with null', async () => {
        await store.users.create(user('u1', 'alice'));
        await store.users.update('u1', { gitName: 'Alice Liddell' });
        await store.users.update('u1', { gitEmail: 'alice@wonder.land', displayName: 'Al' });
        const reopened = await harness.reopen(store);
        store = reopened;
        expect(await store.users.byId('u1')).to.deep.equal(
          user('u1', 'alice', {
            isAdmin: true,
            displayName: 'Al',
            gitName: 'Alice Liddell',
            gitEmail: 'alice@wonder.land',
          }),
        );
        await store.users.update('u1', { gitName: null });
        expect(await store.users.byUsername('alice')).to.include({
          gitName: null,
          gitEmail: 'alice@wonder.land',
        });
        await store.users.update('u1', { tokensValidAfter: 7 });
        expect(await store.users.byId('u1')).to.include({ gitName: null, gitEmail: 'alice@wonder.land' });
        await store.users.update('u1', { gitEmail: null });
        expect(await store.users.byId('u1')).to.include({ gitName: null, gitEmail: null });
        // Created with a git identity in hand: a new account has none of its own.
        await store.users.create(user('u2', 'bob', { gitName: 'B', gitEmail: 'b@x' }));
        expect(await store.users.byId('u2')).to.include({ gitName: null, gitEmail: null });
      });

      it('lists every user by username, and disables and re-enables one, across a reopen', async () => {
        await store.users.create(user('u1', 'carol'));
        await store.users.create(user('u2', 'alice'));
        await store.users.create(user('u3', 'bob'));
        await store.users.update('u3', { disabled: true });
        store = await harness.reopen(store);
        expect((await store.users.list()).map((u) => [u.username, u.disabled])).to.deep.equal([
          ['alice', false],
          ['bob', true],
          ['carol', false],
        ]);
        expect((await store.users.byUsername('bob'))?.disabled).to.equal(true);
        await store.users.update('u3', { disabled: false, displayName: 'Bob' });
        expect(await store.users.byId('u3')).to.deep.include({ disabled: false, displayName: 'Bob' });
        // Created disabled on request? No: a new account is enabled.
        await store.users.create(user('u4', 'dave', { disabled: true }));
        expect((await store.users.byId('u4'))?.disabled).to.equal(false);
      });

      it('keeps each account’s source and directory id, and finds a directory account by them', async () => {
        const local = await store.users.create({
          id: 'u1',
          username: 'alice',
          displayName: 'Alice',
          passwordHash: 'h',
          createdAt: 1,
          tokensValidAfter: 0,
        });
        // Left out, the source is local and there is no directory id.
        expect(local).to.include({ source: 'local', externalId: null });
        const ldap = await store.users.create(
          user('u2', 'bob', { source: 'ldap', externalId: 'uuid-b', passwordHash: '' }),
        );
        expect(ldap).to.deep.equal(
          user('u2', 'bob', { source: 'ldap', externalId: 'uuid-b', passwordHash: '' }),
        );
        // The same id from another directory is another person.
        await store.users.create(user('u3', 'bob-2', { source: 'oidc', externalId: 'uuid-b' }));
        // Local accounts all have a null id and never clash over it.
        await store.users.create(user('u4', 'carol'));
        store = await harness.reopen(store);
        expect((await store.users.byExternalId('ldap', 'uuid-b'))?.id).to.equal('u2');
        expect((await store.users.byExternalId('oidc', 'uuid-b'))?.id).to.equal('u3');
        expect(await store.users.byExternalId('ldap', 'uuid-x')).to.equal(null);
        expect(await store.users.byExternalId('oidc', 'u2')).to.equal(null);
        expect(await store.users.byId('u1')).to.include({ source: 'local', externalId: null });
        expect((await store.users.list()).map((u) => [u.username, u.source])).to.deep.equal([
          ['alice', 'local'],
          ['bob', 'ldap'],
          ['bob-2', 'oidc'],
          ['carol', 'local'],
        ]);
      });

      it('refuses a second account for one directory identity with ERR_CONFLICT, and one of many created at once wins', async () => {
        await store.users.create(user('u1', 'bob', { source: 'ldap', externalId: 'uuid-b' }));
        await rejectsWith(
          store.users.create(user('u2', 'robert', { source: 'ldap', externalId: 'uuid-b' })),
          'ERR_CONFLICT',
        );
        expect(await store.users.byId('u2')).to.equal(null);
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) =>
            store.users.create(user(`c${i}`, `carl${i}`, { source: 'oidc', externalId: 'sub-c' })),
          ),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
        for (const r of results)
          if (r.status === 'rejected') expect((r.reason as AppError).code).to.equal('ERR_CONFLICT');
        expect((await store.users.list()).filter((u) => u.externalId === 'sub-c')).to.have.length(1);
      });
    });

    describe('sessions', () => {
      it('lists every session, newest first', async () => {
        await store.sessions.create(session('s1', 1000), 'alice');
        await store.sessions.create(session('s2', 3000, 'bob'), 'bob');
        await store.sessions.create(session('s3', 2000), 'alice');
        expect(await store.sessions.listAll()).to.deep.equal([
          session('s2', 3000, 'bob'),
          session('s3', 2000),
          session('s1', 1000),
        ]);
      });

      it('creates a session with its owner membership', async () => {
        await store.sessions.create(session('s1', 1000), 'alice');
        expect(await store.sessions.byId('s1')).to.deep.equal(session('s1', 1000));
        expect(await store.members.role('s1', 'alice')).to.equal('owner');
        expect(await store.sessions.byId('nope')).to.equal(null);
      });

      it('lists the sessions a user belongs to, newest first, with their role', async () => {
        await store.sessions.create(session('s1', 1000), 'alice');
        await store.sessions.create(session('s2', 3000, 'bob'), 'bob');
        await store.sessions.create(session('s3', 2000), 'alice');
        await store.members.set('s2', 'alice', 'viewer');
        expect(await store.sessions.listForUser('alice')).to.deep.equal([
          { ...session('s2', 3000, 'bob'), role: 'viewer' },
          { ...session('s3', 2000), role: 'owner' },
          { ...session('s1', 1000), role: 'owner' },
        ]);
        expect(await store.sessions.listForUser('bob')).to.deep.equal([
          { ...session('s2', 3000, 'bob'), role: 'owner' },
        ]);
        expect(await store.sessions.listForUser('carol')).to.deep.equal([]);
      });

      it('renames a session', async () => {
        await store.sessions.create(session('s1', 1000), 'alice');
        await store.sessions.rename('s1', 'Renamed');
        expect((await store.sessions.byId('s1'))?.name).to.equal('Renamed');
      });

      it('deletes a session with its members, chat and invites, and nothing else', async () => {
        await store.sessions.create(session('s1', 1000), 'alice');
        await store.sessions.create(session('s2', 2000), 'alice');
        await store.members.set('s1', 'bob', 'editor');
        for (const id of ['s1', 's2']) {
          await store.chat.add({ sessionId: id, userId: 'alice', text: 'hi', ts: 1 });
          await store.invites.create(invite(`inv-${id}`, { sessionId: id }));
        }
        await store.sessions.delete('s1');
        expect(await store.sessions.byId('s1')).to.equal(null);
        expect(await store.members.list('s1')).to.deep.equal([]);
        expect(await store.members.role('s1', 'bob')).to.equal(null);
        expect(await store.chat.page('s1', { limit: 10 })).to.deep.equal([]);
        expect(await store.invites.byToken('inv-s1')).to.equal(null);
        expect(await store.invites.consume('inv-s1', 2000)).to.equal(null);
        expect(await store.sessions.listForUser('bob')).to.deep.equal([]);
        // The other session is untouched.
        expect(await store.members.role('s2', 'alice')).to.equal('owner');
        expect(await store.chat.page('s2', { limit: 10 })).to.have.length(1);
        expect(await store.invites.byToken('inv-s2')).to.not.equal(null);
      });
    });

    describe('members', () => {
      beforeEach(async () => {
        await store.sessions.create(session('s1', 1000), 'alice');
      });

      it('adds, changes and removes a membership', async () => {
        await store.members.set('s1', 'bob', 'viewer');
        expect(await store.members.role('s1', 'bob')).to.equal('viewer');
        const added = (await store.members.list('s1')).find((m) => m.userId === 'bob')!;
        await store.members.set('s1', 'bob', 'editor');
        expect(await store.members.role('s1', 'bob')).to.equal('editor');
        const changed = (await store.members.list('s1')).find((m) => m.userId === 'bob')!;
        expect(changed.addedAt, 'a role change keeps when they joined').to.equal(added.addedAt);
        expect((await store.members.list('s1')).map((m) => [m.sessionId, m.userId, m.role])).to.deep.equal([
          ['s1', 'alice', 'owner'],
          ['s1', 'bob', 'editor'],
        ]);
        await store.members.remove('s1', 'bob');
        expect(await store.members.role('s1', 'bob')).to.equal(null);
        expect(await store.members.list('s1')).to.have.length(1);
      });

      it('refuses a membership in an unknown session, or an unknown role', async () => {
        await rejectsWith(store.members.set('nope', 'bob', 'editor'), 'ERR_SESSION_NOT_FOUND');
        await rejectsWith(store.members.set('s1', 'bob', 'admin' as any), 'ERR_VALIDATION');
        expect(await store.members.role('s1', 'bob')).to.equal(null);
        expect(await store.sessions.listForUser('bob')).to.deep.equal([]);
      });

      it('transfers ownership atomically with apply', async () => {
        await store.members.set('s1', 'bob', 'editor');
        await store.members.apply('s1', [
          { userId: 'bob', role: 'owner' },
          { userId: 'alice', role: 'editor' },
          { userId: 'carol', role: 'viewer' },
        ]);
        expect(await store.members.role('s1', 'bob')).to.equal('owner');
        expect(await store.members.role('s1', 'alice')).to.equal('editor');
        expect(await store.members.role('s1', 'carol')).to.equal('viewer');
        await store.members.apply('s1', [{ userId: 'carol', role: null }]);
        expect(await store.members.role('s1', 'carol')).to.equal(null);
      });

      it('a failing apply changes nothing: no owner left', async () => {
        await store.members.set('s1', 'bob', 'editor');
        const before = await store.members.list('s1');
        await rejectsWith(
          store.members.apply('s1', [
            { userId: 'bob', role: 'viewer' },
            { userId: 'carol', role: 'editor' },
            { userId: 'alice', role: null },
          ]),
          'ERR_LAST_OWNER',
        );
        expect(await store.members.list('s1')).to.deep.equal(before);
      });

      it('a failing apply changes nothing: a bad role late in the batch', async () => {
        const before = await store.members.list('s1');
        await rejectsWith(
          store.members.apply('s1', [
            { userId: 'bob', role: 'editor' },
            { userId: 'carol', role: 'superuser' as any },
          ]),
          'ERR_VALIDATION',
        );
        expect(await store.members.list('s1')).to.deep.equal(before);
        await rejectsWith(
          store.members.apply('nope', [{ userId: 'bob', role: 'owner' }]),
          'ERR_SESSION_NOT_FOUND',
        );
      });

      it('records when access was cut (lowered or removed), not when it was raised', async () => {
        expect(await store.members.cutAt('s1', 'bob')).to.equal(null);
        await store.members.set('s1', 'bob', 'viewer');
        await store.members.set('s1', 'bob', 'editor');
        expect(await store.members.cutAt('s1', 'bob'), 'joining and raising are no cut').to.equal(null);
        const t0 = Date.now();
        await store.members.set('s1', 'bob', 'commenter');
        const lowered = await store.members.cutAt('s1', 'bob');
        expect(lowered).to.be.at.least(t0).and.at.most(Date.now());
        await store.members.apply('s1', [{ userId: 'carol', role: 'editor' }]);
        await store.members.apply('s1', [{ userId: 'carol', role: null }]);
        expect(await store.members.cutAt('s1', 'carol')).to.be.a('number');
        await store.members.set('s1', 'dave', 'editor');
        await store.members.remove('s1', 'dave');
        expect(await store.members.cutAt('s1', 'dave')).to.be.a('number');
        expect(await store.members.cutAt('s1', 'alice')).to.equal(null);
      });

      it('join keeps a role at least as high, refuses a link older than a cut, and grants otherwise', async () => {
        await store.members.set('s1', 'bob', 'editor');
        expect(await store.members.join('s1', 'bob', 'viewer', 0)).to.equal('editor');
        expect(await store.members.role('s1', 'bob')).to.equal('editor');
        expect(await store.members.join('s1', 'carol', 'commenter', 0)).to.equal('commenter');
        expect(await store.members.cutAt('s1', 'carol'), 'joining is no cut').to.equal(null);
        // An owner removes bob: a link issued before that cannot bring him back.
        const before = Date.now() - 1;
        await store.members.remove('s1', 'bob');
        const cut = (await store.members.cutAt('s1', 'bob'))!;
        await rejectsWith(store.members.join('s1', 'bob', 'editor', before), 'ERR_INVITE_REVOKED');
        expect(await store.members.role('s1', 'bob')).to.equal(null);
        // A link issued after the cut works.
        expect(await store.members.join('s1', 'bob', 'viewer', cut + 1)).to.equal('viewer');
        // Demoted: an old link neither raises him back nor errs when it asks for less than he has.
        await rejectsWith(store.members.join('s1', 'bob', 'editor', before), 'ERR_INVITE_REVOKED');
        expect(await store.members.join('s1', 'bob', 'viewer', before)).to.equal('viewer');
        expect(await store.members.role('s1', 'bob')).to.equal('viewer');
        await rejectsWith(store.members.join('nope', 'bob', 'viewer', 0), 'ERR_SESSION_NOT_FOUND');
      });

      it('deleting a session forgets its cuts', async () => {
        await store.members.set('s1', 'bob', 'editor');
        await store.members.remove('s1', 'bob');
        await store.sessions.delete('s1');
        expect(await store.members.cutAt('s1', 'bob')).to.equal(null);
      });

      it('concurrent applies each land whole', async () => {
        const users = Array.from({ length: 10 }, (_, i) => `u${i}`);
        await Promise.all(users.map((u) => store.members.apply('s1', [{ userId: u, role: 'editor' }])));
        const roles = await store.members.list('s1');
        expect(roles.map((m) => m.userId).sort()).to.deep.equal(['alice', ...users].sort());
      });
    });

    describe('revocations', () => {
      it('remembers a revoked token until it expires', async () => {
        expect(await store.revocations.isRevoked('jti-1')).to.equal(false);
        await store.revocations.revoke('jti-1', 5000);
        await store.revocations.revoke('jti-2', 9000);
        await store.revocations.revoke('jti-1', 5000); // idempotent
        expect(await store.revocations.isRevoked('jti-1')).to.equal(true);
        await store.revocations.prune(6000);
        expect(await store.revocations.isRevoked('jti-1')).to.equal(false);
        expect(await store.revocations.isRevoked('jti-2')).to.equal(true);
      });
    });

    describe('settings', () => {
      it('gets, sets and overwrites a value', async () => {
        expect(await store.settings.get('registration')).to.equal(null);
        await store.settings.set('registration', 'open');
        await store.settings.set('registration', 'closed');
        await store.settings.set('other', '1');
        expect(await store.settings.get('registration')).to.equal('closed');
        expect(await store.settings.get('other')).to.equal('1');
      });
    });

    describe('chat', () => {
      it('pages newest first, before an id, up to a limit, per session', async () => {
        const ids: number[] = [];
        for (let i = 0; i < 7; i++) {
          const msg = await store.chat.add({ sessionId: 's1', userId: 'alice', text: `m${i}`, ts: 100 + i });
          expect(msg).to.deep.include({ sessionId: 's1', userId: 'alice', text: `m${i}`, ts: 100 + i });
          ids.push(msg.id);
          await store.chat.add({ sessionId: 's2', userId: 'bob', text: `other${i}`, ts: 100 + i });
        }
        expect(
          [...ids].sort((a, b) => a - b),
          'ids increase',
        ).to.deep.equal(ids);
        const first = await store.chat.page('s1', { limit: 3 });
        expect(first.map((m) => m.text)).to.deep.equal(['m6', 'm5', 'm4']);
        const second = await store.chat.page('s1', { before: first[2]!.id, limit: 3 });
        expect(second.map((m) => m.text)).to.deep.equal(['m3', 'm2', 'm1']);
        const last = await store.chat.page('s1', { before: second[2]!.id, limit: 3 });
        expect(last.map((m) => m.text)).to.deep.equal(['m0']);
        expect(await store.chat.page('s1', { before: last[0]!.id, limit: 3 })).to.deep.equal([]);
        expect(await store.chat.page('s1', { limit: 0 })).to.deep.equal([]);
        expect(await store.chat.page('nope', { limit: 5 })).to.deep.equal([]);
        expect(first[0]).to.deep.equal({ id: ids[6], sessionId: 's1', userId: 'alice', text: 'm6', ts: 106 });
      });
    });

    describe('live comments', () => {
      it('lists a session’s or a file’s threads oldest first, and replaces a thread by id', async () => {
        await store.liveComments.put(thread('t2', { createdAt: 2000 }));
        await store.liveComments.put(thread('t1', { createdAt: 1000, fileId: 'f2' }));
        await store.liveComments.put(thread('t3', { createdAt: 3000, sessionId: 's2' }));
        expect((await store.liveComments.list('s1')).map((t) => t.id)).to.deep.equal(['t1', 't2']);
        expect((await store.liveComments.list('s1', 'f1')).map((t) => t.id)).to.deep.equal(['t2']);
        expect(await store.liveComments.list('s1', 'nope')).to.deep.equal([]);
        const changed = thread('t2', {
          createdAt: 2000,
          resolved: true,
          rev: 2,
          replies: [{ id: 'r1', authorId: 'u2', body: 'yes', createdAt: 2500, editedAt: null }],
        });
        await store.liveComments.put(changed);
        expect(await store.liveComments.get('s1', 't2')).to.deep.equal(changed);
        expect(await store.liveComments.get('s2', 't2'), 'another session’s id').to.equal(null);
        expect(await store.liveComments.delete('s1', 't2')).to.equal(true);
        expect(await store.liveComments.delete('s1', 't2')).to.equal(false);
        expect(await store.liveComments.get('s1', 't2')).to.equal(null);
      });

      it('writes back anchors without ever moving one to an older version, and records what was noted', async () => {
        await store.liveComments.put(thread('t1'));
        await store.liveComments.moveAnchors('s1', [
          { id: 't1', from: 5, to: 11, anchorVersion: 7, detached: false },
          { id: 'missing', from: 0, to: 1, anchorVersion: 9, detached: false },
        ]);
        expect(await store.liveComments.get('s1', 't1')).to.deep.include({
          from: 5,
          to: 11,
          anchorVersion: 7,
        });
        await store.liveComments.moveAnchors('s1', [
          { id: 't1', from: 0, to: 0, anchorVersion: 6, detached: true },
        ]);
        expect(await store.liveComments.get('s1', 't1')).to.deep.include({
          from: 5,
          to: 11,
          anchorVersion: 7,
          detached: false,
        });
        await store.liveComments.markNoted('s1', [{ id: 't1', rev: 3 }]);
        await store.liveComments.markNoted('s1', [{ id: 't1', rev: 2 }]);
        expect((await store.liveComments.get('s1', 't1'))?.notedRev).to.equal(3);
        expect((await store.liveComments.get('s1', 't1'))?.body, 'the rest untouched').to.equal('body of t1');
      });

      it('goes with its session', async () => {
        await store.users.create(user('u1', 'alice'));
        await store.sessions.create(session('s1', 1000), 'u1');
        await store.liveComments.put(thread('t1'));
        await store.sessions.delete('s1');
        expect(await store.liveComments.list('s1')).to.deep.equal([]);
      });
    });

    describe('access tokens', () => {
      it('creates, lists, finds by secret hash, touches and deletes', async () => {
        const base = { userId: 'u1', name: 'laptop', lastUsedAt: null };
        await store.accessTokens.create({ ...base, id: 't1', secretHash: 'h1', createdAt: 1 });
        await store.accessTokens.create({ ...base, id: 't2', secretHash: 'h2', createdAt: 2, name: 'ci' });
        await store.accessTokens.create({ ...base, id: 't3', secretHash: 'h3', createdAt: 3, userId: 'u2' });
        expect((await store.accessTokens.listForUser('u1')).map((t) => t.id)).to.deep.equal(['t2', 't1']);
        expect(await store.accessTokens.bySecretHash('h1')).to.deep.equal({
          ...base,
          id: 't1',
          secretHash: 'h1',
          createdAt: 1,
        });
        expect(await store.accessTokens.bySecretHash('nope')).to.equal(null);
        await store.accessTokens.touch('t1', 99);
        expect((await store.accessTokens.bySecretHash('h1'))?.lastUsedAt).to.equal(99);
        expect(await store.accessTokens.delete('u1', 't3'), "another user's token").to.equal(false);
        expect(await store.accessTokens.delete('u1', 't1')).to.equal(true);
        expect(await store.accessTokens.delete('u1', 't1')).to.equal(false);
        expect(await store.accessTokens.bySecretHash('h1')).to.equal(null);
        expect(await store.accessTokens.bySecretHash('h3')).to.not.equal(null);
      });
    });

    describe('invites', () => {
      it('creates, finds, lists and revokes', async () => {
        await store.invites.create(invite('a', { createdAt: 1 }));
        await store.invites.create(invite('b', { createdAt: 2, role: 'viewer', expiresAt: 50, maxUses: 3 }));
        await store.invites.create(invite('c', { sessionId: 's2' }));
        expect(await store.invites.byToken('b')).to.deep.equal(
          invite('b', { createdAt: 2, role: 'viewer', expiresAt: 50, maxUses: 3 }),
        );
        expect((await store.invites.listForSession('s1')).map((i) => i.token)).to.deep.equal(['b', 'a']);
        expect(await store.invites.revoke('s2', 'a'), 'wrong session').to.equal(false);
        expect(await store.invites.revoke('s1', 'a')).to.equal(true);
        expect((await store.invites.byToken('a'))?.revoked).to.equal(true);
        expect(await store.invites.revoke('s1', 'nope')).to.equal(false);
      });

      it('consumes a live invite and counts the use', async () => {
        await store.invites.create(invite('a'));
        const used = await store.invites.consume('a', 2000);
        expect(used).to.deep.equal(invite('a', { uses: 1 }));
        expect((await store.invites.consume('a', 2000))?.uses).to.equal(2);
        expect(await store.invites.consume('unknown', 2000)).to.equal(null);
      });

      it('refuses an expired, used-up or revoked invite without counting a use', async () => {
        await store.invites.create(invite('expired', { expiresAt: 5000 }));
        await store.invites.create(invite('once', { maxUses: 1 }));
        await store.invites.create(invite('revoked'));
        await store.invites.revoke('s1', 'revoked');
        expect((await store.invites.consume('expired', 4999))?.uses).to.equal(1);
        expect(await store.invites.consume('expired', 5000), 'expired at expiresAt').to.equal(null);
        expect(await store.invites.consume('once', 1)).to.not.equal(null);
        expect(await store.invites.consume('once', 1)).to.equal(null);
        expect(await store.invites.consume('revoked', 1)).to.equal(null);
        expect((await store.invites.byToken('expired'))?.uses).to.equal(1);
        expect((await store.invites.byToken('once'))?.uses).to.equal(1);
        expect((await store.invites.byToken('revoked'))?.uses).to.equal(0);
      });

      it('20 parallel consumes of a maxUses=5 invite succeed exactly 5 times', async () => {
        await store.invites.create(invite('limited', { maxUses: 5 }));
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.invites.consume('limited', 2000)),
        );
        const ok = results.filter((r) => r !== null);
        expect(ok).to.have.length(5);
        expect(ok.map((r) => r!.uses).sort()).to.deep.equal([1, 2, 3, 4, 5]);
        expect((await store.invites.byToken('limited'))?.uses).to.equal(5);
      });

      it('release gives back one use, never going below zero', async () => {
        await store.invites.create(invite('once', { maxUses: 1 }));
        expect(await store.invites.consume('once', 2000)).to.not.equal(null);
        expect(await store.invites.consume('once', 2000)).to.equal(null);
        await store.invites.release('once');
        expect((await store.invites.byToken('once'))?.uses).to.equal(0);
        await store.invites.release('once');
        await store.invites.release('unknown');
        expect((await store.invites.byToken('once'))?.uses).to.equal(0);
        expect(await store.invites.consume('once', 2000)).to.not.equal(null);
      });
    });

    describe('documents (ShareDB)', () => {
      it('stores documents and ops through a ShareDB backend, and compaction keeps recent ops', async () => {
        const backend = new Backend({ db: store.sharedb });
        const doc = backend.connect().get('files', 'f1');
        await new Promise<void>((resolve, reject) =>
          doc.create({ text: '' }, (e: unknown) => (e ? reject(e) : resolve())),
        );
        for (let i = 0; i < 20; i++) {
          await new Promise<void>((resolve, reject) =>
            doc.submitOp([{ p: ['text', i], si: 'x' }], (e: unknown) => (e ? reject(e) : resolve())),
          );
        }
        expect(await store.compactOps('files', 'f1', 21)).to.equal(0);
        const ops = await new Promise<unknown[]>((resolve, reject) =>
          store.sharedb.getOps('files', 'f1', 0, null, null, (e: Error | null, o: unknown[]) =>
            e ? reject(e) : resolve(o),
          ),
        );
        expect(ops).to.have.length(21);
        const snapshot = await new Promise<{ v: number; data: unknown }>((resolve, reject) =>
          store.sharedb.getSnapshot(
            'files',
            'f1',
            null,
            null,
            (e: Error | null, s: { v: number; data: unknown }) => (e ? reject(e) : resolve(s)),
          ),
        );
        expect(snapshot.v).to.equal(21);
        expect(snapshot.data).to.deep.equal({ text: 'x'.repeat(20) });
      });

      it('keeps the author stamped in an op’s metadata, across reopen, and returns it only when asked', async () => {
        // What the commit worker counts authors from (ot/authorship.ts); passes on stores that keep `m`.
        const backend = new Backend({ db: store.sharedb });
        backend.use('submit', (ctx: { op: { m?: Record<string, unknown> } }, next: () => void) => {
          stampAuthor(ctx.op, 'user-7');
          next();
        });
        const doc = backend.connect().get('files', 'f2');
        await new Promise<void>((resolve, reject) =>
          doc.create({ text: '' }, (e: unknown) => (e ? reject(e) : resolve())),
        );
        await new Promise<void>((resolve, reject) =>
          doc.submitOp([{ p: ['text', 0], si: 'hey' }], (e: unknown) => (e ? reject(e) : resolve())),
        );
        store = await harness.reopen(store);
        const read = (options: { metadata?: boolean } | null) =>
          new Promise<Array<{ m?: Record<string, unknown> }>>((resolve, reject) =>
            store.sharedb.getOps('files', 'f2', 0, null, options, (e: Error | null, o: never) =>
              e ? reject(e) : resolve(o),
            ),
          );
        expect((await read({ metadata: true })).map(authorOf)).to.deep.equal(['user-7', 'user-7']);
        expect((await read(null)).map((op) => op.m)).to.deep.equal([undefined, undefined]);
      });
    });

    describeActivityContract(() => ({
      store,
      reopen: async () => {
        store = await harness.reopen(store);
        return store;
      },
    }));

    describe('persistence', () => {
      it('keeps everything across close and reopen', async () => {
        await store.users.create(user('u1', 'alice'));
        await store.sessions.create(session('s1', 1000), 'u1');
        await store.members.set('s1', 'u2', 'commenter');
        await store.settings.set('k', 'v');
        const msg = await store.chat.add({ sessionId: 's1', userId: 'u1', text: 'hello', ts: 5 });
        await store.invites.create(invite('inv', { maxUses: 2 }));
        await store.invites.consume('inv', 2000);
        await store.revocations.revoke('jti', Date.now() + 60_000);
        await store.accessTokens.create({
          id: 't1',
          userId: 'u1',
          name: 'x',
          secretHash: 'h',
          createdAt: 1,
          lastUsedAt: null,
        });
        const backend = new Backend({ db: store.sharedb });
        const doc = backend.connect().get('files', 'f1');
        await new Promise<void>((resolve, reject) =>
          doc.create({ text: 'hi' }, (e: unknown) => (e ? reject(e) : resolve())),
        );
        await new Promise<void>((resolve, reject) =>
          doc.submitOp([{ p: ['text', 2], si: '!' }], (e: unknown) => (e ? reject(e) : resolve())),
        );

        store = await harness.reopen(store);

        expect(await store.users.byUsername('alice')).to.deep.equal(user('u1', 'alice', { isAdmin: true }));
        expect(await store.sessions.listForUser('u1')).to.deep.equal([
          { ...session('s1', 1000), role: 'owner' },
        ]);
        expect(await store.members.role('s1', 'u2')).to.equal('commenter');
        expect(await store.settings.get('k')).to.equal('v');
        expect(await store.chat.page('s1', { limit: 5 })).to.deep.equal([msg]);
        expect((await store.invites.byToken('inv'))?.uses).to.equal(1);
        expect(await store.revocations.isRevoked('jti')).to.equal(true);
        expect((await store.accessTokens.bySecretHash('h'))?.id).to.equal('t1');
        const next = await store.chat.add({ sessionId: 's1', userId: 'u1', text: 'again', ts: 6 });
        expect(next.id).to.be.greaterThan(msg.id);
        const snapshot = await new Promise<{ v: number; data: unknown }>((resolve, reject) =>
          store.sharedb.getSnapshot(
            'files',
            'f1',
            null,
            null,
            (e: Error | null, s: { v: number; data: unknown }) => (e ? reject(e) : resolve(s)),
          ),
        );
        expect(snapshot).to.deep.include({ v: 2, data: { text: 'hi!' } });
      });
    });
  });
}
