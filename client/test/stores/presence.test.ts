import type { PresenceUser } from '@protocol/events';
import { expect } from 'chai';
import { createPinia, setActivePinia } from 'pinia';
import { usePresenceStore } from '../../src/stores/presence';

function user(username: string, fileId: string | null = null): PresenceUser {
  return {
    userId: `u-${username}`,
    username,
    displayName: username,
    color: '#123456',
    fileId,
    typing: false,
    connections: 1,
  };
}

describe('presence store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('knows nobody in a session it has not heard about', () => {
    expect(usePresenceStore().usersIn('s1')).to.deep.equal([]);
  });

  it('replaces a session’s users with the latest list, leaving other sessions alone', () => {
    const presence = usePresenceStore();
    presence.setUsers('s1', [user('ada'), user('bob')]);
    presence.setUsers('s2', [user('cy')]);
    presence.setUsers('s1', [user('bob', 'f1')]);
    expect(presence.usersIn('s1').map((u) => [u.username, u.fileId])).to.deep.equal([['bob', 'f1']]);
    expect(presence.usersIn('s2').map((u) => u.username)).to.deep.equal(['cy']);
  });

  it('forgets a cleared session only', () => {
    const presence = usePresenceStore();
    presence.setUsers('s1', [user('ada')]);
    presence.setUsers('s2', [user('cy')]);
    presence.clear('s1');
    expect(presence.usersIn('s1')).to.deep.equal([]);
    expect(Object.keys(presence.bySession)).to.deep.equal(['s2']);
  });
});
