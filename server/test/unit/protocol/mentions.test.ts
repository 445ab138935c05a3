import { expect } from 'chai';
import {
  MENTION_EXCERPT_CHARS,
  mentionExcerpt,
  mentionQueryAt,
  mentionSpans,
  resolveMentions,
} from '../../../src/protocol/mentions.js';

describe('protocol: @mentions', () => {
  it('finds @names at word starts, with where they are, lowercased', () => {
    expect(mentionSpans('hi @Ana, and (@bob.k)')).to.deep.equal([
      { start: 3, length: 4, username: 'ana' },
      { start: 14, length: 6, username: 'bob.k' },
    ]);
  });

  it('is not fooled by e-mail addresses, a sentence’s last dot, or names too short or long', () => {
    expect(mentionSpans('mail ana@example.org')).to.deep.equal([]);
    expect(mentionSpans('thanks @ana.')).to.deep.equal([{ start: 7, length: 4, username: 'ana' }]);
    expect(mentionSpans('@ab and @' + 'x'.repeat(33))).to.deep.equal([]);
  });

  it('resolves only members, once each, in order of first mention', () => {
    const members = ['ana', 'bob', 'cy_1'];
    expect(resolveMentions('@bob @dan @ana @bob @CY_1', members)).to.deep.equal(['bob', 'ana', 'cy_1']);
    expect(resolveMentions('no one here', members)).to.deep.equal([]);
  });

  it('says what is being typed after @ at the caret, for completion', () => {
    expect(mentionQueryAt('hey @an', 7)).to.deep.equal({ start: 4, query: 'an' });
    expect(mentionQueryAt('hey @', 5)).to.deep.equal({ start: 4, query: '' });
    expect(mentionQueryAt('hey @an there', 13)).to.equal(null);
    expect(mentionQueryAt('ana@ex', 6)).to.equal(null);
    expect(mentionQueryAt('no at', 5)).to.equal(null);
  });

  it('quotes a short excerpt, whitespace collapsed, never splitting an emoji', () => {
    expect(mentionExcerpt('  a\n\n b  ')).to.equal('a b');
    const long = `${'x'.repeat(MENTION_EXCERPT_CHARS - 2)}😀😀`;
    const cut = mentionExcerpt(long);
    expect(cut.endsWith('…')).to.equal(true);
    expect(cut.length).to.be.at.most(MENTION_EXCERPT_CHARS);
    expect(/[\ud800-\udbff]…$/.test(cut)).to.equal(false);
  });
});
