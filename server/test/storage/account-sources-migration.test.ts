/**
 * The embedded store's "account sources" migration: accounts made before directories existed
 * come through as local accounts with no directory id, keep everything else, and the new unique
 * index lets many local accounts share a null id.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { openDatabase } from '../../src/storage/embedded/database.js';
import { createEmbeddedStore, EMBEDDED_DB_FILE } from '../../src/storage/embedded/index.js';
import { MIGRATIONS } from '../../src/storage/embedded/migrations.js';
import { tempDir } from './helpers.js';

describe('embedded store: account sources migration', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = tempDir();
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('turns existing accounts into local ones and keeps their data', async () => {
    const index = MIGRATIONS.findIndex((m) => m.name === 'account sources');
    expect(index).to.be.greaterThan(0);
    // A database as the release before this migration left it, with two accounts.
    const old = openDatabase(path.join(dataDir, EMBEDDED_DB_FILE), {
      migrations: MIGRATIONS.slice(0, index),
    });
    const insert = old.prepare(
      `INSERT INTO users (id, username, display_name, password_hash, is_admin, created_at, tokens_valid_after, disabled)
       VALUES (?, ?, ?, ?, ?, 1000, 0, ?)`,
    );
    insert.run('u1', 'alice', 'Alice', 'hash-a', 1, 0);
    insert.run('u2', 'bob', 'Bob', 'hash-b', 0, 1);
    old.close();

    const store = await createEmbeddedStore({ dataDir });
    try {
      expect(await store.users.byUsername('alice')).to.include({
        id: 'u1',
        passwordHash: 'hash-a',
        isAdmin: true,
        source: 'local',
        externalId: null,
      });
      expect(await store.users.byUsername('bob')).to.include({
        disabled: true,
        source: 'local',
        externalId: null,
      });
      // The directory index admits directory accounts beside them.
      await store.users.create({
        id: 'u3',
        username: 'carol',
        displayName: 'Carol',
        passwordHash: '',
        createdAt: 2000,
        tokensValidAfter: 0,
        source: 'ldap',
        externalId: 'uuid-c',
      });
      expect((await store.users.byExternalId('ldap', 'uuid-c'))?.username).to.equal('carol');
    } finally {
      await store.close();
    }
  });
});
