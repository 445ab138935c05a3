import { expect } from 'chai';
import { chatSegments } from '../../../src/components/chat/chat-text';
import { eventSentence, mentionSentence, roleSentence } from '../../../src/components/notices/sentences';

describe('notice sentences', () => {
  const ana = { id: 'u-ana', displayName: 'Ana' };
  const ctx = { me: 'u-bo', canRestore: true };
  const base = { sessionId: 's1' };

  it('names who deleted what, with Restore only for those who may restore', () => {
    const e = {
      ...base,
      type: 'fileDeleted' as const,
      fileId: 'f',
      path: 'db.sql',
      by: ana,
      sha: 'abc1234def',
    };
    expect(eventSentence(e, ctx)).to.deep.equal({
      text: 'Ana deleted db.sql.',
      action: { kind: 'restore', label: 'Restore', path: 'db.sql', sha: 'abc1234def' },
    });
    expect(eventSentence(e, { ...ctx, canRestore: false })).to.deep.equal({ text: 'Ana deleted db.sql.' });
    expect(eventSentence({ ...e, by: { id: 'u-bo', displayName: 'Bo' } }, ctx)?.text).to.equal(
      'You deleted db.sql.',
    );
  });

  it('a revert opens its version, or the one keeping my unsaved typing; the reverter is not told as news', () => {
    const e = { ...base, type: 'reverted' as const, sha: 'fb9e404aaaa', version: 'v2', by: ana, differs: [] };
    expect(eventSentence(e, ctx)).to.deep.equal({
      text: 'Ana reverted to fb9e404.',
      action: { kind: 'version', label: 'Open fb9e404', sha: 'fb9e404aaaa' },
    });
    const kept = eventSentence({ ...e, kept: { sha: '1234567zzz', typists: ['u-bo'] } }, ctx);
    expect(kept?.text).to.equal('Ana reverted to fb9e404. Your unsaved typing is kept in version 1234567.');
    expect(kept?.action).to.deep.equal({ kind: 'version', label: 'Open 1234567', sha: '1234567zzz' });
    expect(eventSentence({ ...e, kept: { sha: '1234567zzz', typists: ['u-cy'] } }, ctx)?.text).to.equal(
      'Ana reverted to fb9e404.',
    );
    expect(eventSentence(e, { ...ctx, me: 'u-ana' })).to.equal(null);
  });

  it('moves, imports and pushes name who and how much; role changes only the person concerned', () => {
    const moved = {
      ...base,
      type: 'moved' as const,
      kind: 'file' as const,
      from: 'db.sql',
      to: 'sql/db.sql',
      by: ana,
    };
    expect(eventSentence(moved, ctx)?.text).to.equal('Ana moved db.sql to sql/db.sql.');
    expect(eventSentence({ ...base, type: 'imported', count: 1, by: ana, sha: null }, ctx)).to.deep.equal({
      text: 'Ana imported 1 file.',
    });
    expect(
      eventSentence({ ...base, type: 'pushed', count: 3, by: ana, sha: 's', pushed: 'p' }, ctx)?.text,
    ).to.equal('Ana pushed 3 commits.');
    const role = {
      ...base,
      type: 'role' as const,
      user: { id: 'u-bo', displayName: 'Bo' },
      role: 'viewer',
      by: ana,
    };
    expect(eventSentence(role, ctx)?.text).to.equal('Ana made you a viewer: your editor is read-only now.');
    expect(eventSentence({ ...role, user: { id: 'u-cy', displayName: 'Cy' } }, ctx)).to.equal(null);
    expect(roleSentence('editor', null)).to.equal('You are now an editor: you can edit.');
  });

  it('mentions say who, where, and which session when it is another', () => {
    const m = {
      id: 1,
      sessionId: 's2',
      sessionName: 'Other',
      by: { id: 'u-ana', username: 'ana', displayName: 'Ana' },
      source: 'comment' as const,
      ref: 'abcdef123456',
      text: '@bo why?',
      ts: 1,
      read: false,
    };
    expect(mentionSentence(m, 's1')).to.equal('Ana mentioned you in a comment on abcdef1 (Other): @bo why?');
    expect(mentionSentence({ ...m, source: 'chat', sessionId: 's1' }, 's1')).to.equal(
      'Ana mentioned you in chat: @bo why?',
    );
  });

  it('chat text marks mentions of members only, beside file links', () => {
    const segments = chatSegments(
      '@bob see a.ts:2 and @nobody',
      (p) => p === 'a.ts',
      (u) => u === 'bob',
    );
    expect(segments.map((s) => s.kind)).to.deep.equal(['mention', 'text', 'file', 'text']);
    expect(segments[0]).to.deep.equal({ kind: 'mention', text: '@bob', username: 'bob' });
    expect(segments.map((s) => s.text).join('')).to.equal('@bob see a.ts:2 and @nobody');
  });
});
