import { SearchQuery } from '@codemirror/search';
import { EditorSelection, EditorState } from '@codemirror/state';
import { expect } from 'chai';
import { countLabel, countMatches, MAX_COUNTED } from '../../src/editor/find-panel';

describe('find box match count', () => {
  const text = 'const a = 1;\nconst b = a + a;\n// constant\n';
  const at = (from: number, to: number) =>
    EditorState.create({ doc: text, selection: EditorSelection.single(from, to) });

  it('counts every match and says which one the selection is on', () => {
    const query = new SearchQuery({ search: 'const' });
    const second = text.indexOf('const', 1);
    const count = countMatches(at(second, second + 5), query);
    expect(count).to.deep.equal({ total: 3, more: false, current: 2 });
    expect(countLabel(query, count)).to.equal('2 of 3');
  });

  it('says how many when the selection is on none of them, and "No matches" for none', () => {
    const query = new SearchQuery({ search: 'a' });
    expect(countLabel(query, countMatches(at(0, 0), query))).to.match(/^\d+ matches$/);
    const one = new SearchQuery({ search: 'a + a' });
    expect(countLabel(one, countMatches(at(0, 0), one))).to.equal('1 match');
    const none = new SearchQuery({ search: 'zebra' });
    expect(countLabel(none, countMatches(at(0, 0), none))).to.equal('No matches');
  });

  it('follows the case, whole-word and regexp switches', () => {
    const word = new SearchQuery({ search: 'const', wholeWord: true });
    expect(countMatches(at(0, 0), word).total).to.equal(2);
    const upper = new SearchQuery({ search: 'CONST', caseSensitive: true });
    expect(countMatches(at(0, 0), upper).total).to.equal(0);
    const re = new SearchQuery({ search: '[ab] =', regexp: true });
    expect(countMatches(at(0, 0), re).total).to.equal(2);
  });

  it('says an invalid pattern is one, and nothing for an empty query', () => {
    const bad = new SearchQuery({ search: '(', regexp: true });
    expect(countLabel(bad, null)).to.equal('Invalid pattern');
    expect(countLabel(new SearchQuery({ search: '' }), null)).to.equal('');
  });

  it(`stops counting at ${MAX_COUNTED} and says there are more`, () => {
    const state = EditorState.create({ doc: 'x'.repeat(MAX_COUNTED + 5) });
    const query = new SearchQuery({ search: 'x' });
    const count = countMatches(state, query);
    expect(count).to.deep.equal({ total: MAX_COUNTED, more: true, current: null });
    expect(countLabel(query, count)).to.equal(`${MAX_COUNTED}+ matches`);
  });
});
