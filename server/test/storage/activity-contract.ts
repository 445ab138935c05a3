/**
 * The activity log and mentions part of the store contract (registered by store-contract.ts, so
 * every store runs it).
 */
import { expect } from 'chai';
import type { Store } from '../../src/storage/types.js';

/** Registers the activity and mentions tests; `get` gives the open store and a reopen. */
export function describeActivityContract(get: () => { store: Store; reopen(): Promise<Store> }): void {
  describe('activity', () => {
    it('appends entries per session and returns those after `since`, oldest first', async () => {
      const { store } = get();
      const a = await store.activity.add(
        { sessionId: 's1', event: { type: 'fileDeleted', path: 'a' }, ts: 1 },
        10,
      );
      const b = await store.activity.add({ sessionId: 's1', event: { type: 'moved', to: 'b' }, ts: 2 }, 10);
      await store.activity.add({ sessionId: 's2', event: { type: 'reverted' }, ts: 3 }, 10);
      expect(b.id).to.be.greaterThan(a.id);
      expect(await store.activity.since('s1', 0, 10)).to.deep.equal([a, b]);
      expect(await store.activity.since('s1', a.id, 10)).to.deep.equal([b]);
      expect(await store.activity.since('s1', b.id, 10)).to.deep.equal([]);
      expect(a.event).to.deep.equal({ type: 'fileDeleted', path: 'a' });
    });

    it('keeps only the newest `keep` entries of a session, and `limit` gives the newest', async () => {
      const { store } = get();
      for (let i = 0; i < 7; i++)
        await store.activity.add({ sessionId: 's1', event: { type: 'x', i }, ts: i }, 5);
      await store.activity.add({ sessionId: 's2', event: { type: 'x', i: 99 }, ts: 0 }, 5);
      const kept = await store.activity.since('s1', 0, 100);
      expect(kept.map((e) => e.event.i)).to.deep.equal([2, 3, 4, 5, 6]);
      expect((await store.activity.since('s1', 0, 2)).map((e) => e.event.i)).to.deep.equal([5, 6]);
      expect(await store.activity.since('s2', 0, 100)).to.have.length(1);
    });

    it('survives a reopen and goes with its session', async () => {
      let { store } = get();
      await store.sessions.create({ id: 's1', name: 'S', createdBy: 'u1', createdAt: 1 }, 'u1');
      const e = await store.activity.add(
        { sessionId: 's1', event: { type: 'imported', count: 2 }, ts: 5 },
        10,
      );
      store = await get().reopen();
      expect(await store.activity.since('s1', 0, 10)).to.deep.equal([e]);
      await store.sessions.delete('s1');
      expect(await store.activity.since('s1', 0, 10)).to.deep.equal([]);
    });
  });

  describe('mentions', () => {
    const mention = (userId: string, ref: string, sessionId = 's1') => ({
      userId,
      sessionId,
      byUserId: 'ana',
      source: 'chat' as const,
      ref,
      text: `hi @${userId}`,
      ts: 10,
    });

    it('stores mentions unread and lists a user’s newest first', async () => {
      const { store } = get();
      const [m1, m2] = await store.mentions.add([mention('bob', '1'), mention('cy', '1')], 100);
      const [m3] = await store.mentions.add([mention('bob', '2')], 100);
      expect(m1).to.deep.include({ userId: 'bob', read: false, ref: '1', text: 'hi @bob' });
      expect(m2!.id).to.be.greaterThan(m1!.id);
      expect(await store.mentions.list('bob', { unreadOnly: false, limit: 10 })).to.deep.equal([m3, m1]);
      expect(await store.mentions.list('cy', { unreadOnly: true, limit: 10 })).to.deep.equal([m2]);
      expect(await store.mentions.list('bob', { unreadOnly: false, limit: 1 })).to.deep.equal([m3]);
    });

    it('marks chosen or all mentions read, only the user’s own', async () => {
      const { store } = get();
      const [b1, c1] = await store.mentions.add([mention('bob', '1'), mention('cy', '1')], 100);
      const [b2, b3] = await store.mentions.add([mention('bob', '2'), mention('bob', '3')], 100);
      // Cy's id in Bob's request changes nothing of Cy's.
      expect(await store.mentions.markRead('bob', [b1!.id, c1!.id])).to.equal(1);
      expect(
        (await store.mentions.list('bob', { unreadOnly: true, limit: 10 })).map((m) => m.id),
      ).to.deep.equal([b3!.id, b2!.id]);
      expect(await store.mentions.list('cy', { unreadOnly: true, limit: 10 })).to.have.length(1);
      expect(await store.mentions.markRead('bob')).to.equal(2);
      expect(await store.mentions.markRead('bob')).to.equal(0);
      expect(await store.mentions.list('bob', { unreadOnly: true, limit: 10 })).to.deep.equal([]);
      const all = await store.mentions.list('bob', { unreadOnly: false, limit: 10 });
      expect(all.map((m) => m.read)).to.deep.equal([true, true, true]);
    });

    it('keeps each user’s newest `keep`, survives a reopen and goes with its session', async () => {
      let { store } = get();
      await store.sessions.create({ id: 's1', name: 'S', createdBy: 'u1', createdAt: 1 }, 'u1');
      for (let i = 0; i < 4; i++) await store.mentions.add([mention('bob', String(i))], 3);
      await store.mentions.add([mention('bob', 'other', 's2')], 10);
      store = await get().reopen();
      const refs = (await store.mentions.list('bob', { unreadOnly: false, limit: 10 })).map((m) => m.ref);
      expect(refs).to.deep.equal(['other', '3', '2', '1']);
      await store.sessions.delete('s1');
      expect(
        (await store.mentions.list('bob', { unreadOnly: false, limit: 10 })).map((m) => m.ref),
      ).to.deep.equal(['other']);
    });
  });
}
