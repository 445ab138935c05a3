import { expect } from 'chai';
import type { Version } from '../../../src/api/versions';
import { groupLabel, historyRows } from '../../../src/components/versions/history-rows';

let seq = 0;
const v = (kind: Version['kind'], over: Partial<Version> = {}): Version => ({
  sha: `${++seq}`.padStart(40, '0'),
  message: kind,
  subject: kind,
  author: { name: 'ana', email: 'ana@x' },
  coAuthors: [],
  time: new Date(Date.UTC(2026, 0, 1, 10, 40 - seq)).toISOString(),
  parents: [],
  kind,
  stats: { files: 1, additions: 1, deletions: 0 },
  tags: [],
  comments: 0,
  ...over,
});

describe('history rows: autosaves grouped', () => {
  it('collapses runs of two or more untagged autosaves, with everyone who made them', () => {
    const list = [
      v('save'),
      v('autosave'),
      v('autosave', { author: { name: 'bo', email: 'bo@x' }, coAuthors: [{ name: 'ana', email: 'ana@x' }] }),
      v('autosave'),
      v('revert'),
      v('autosave'),
      v('autosave', { tags: ['v1'] }),
      v('autosave'),
      v('autosave'),
    ];
    const rows = historyRows(list);
    expect(
      rows.map((r) => (r.type === 'version' ? r.version.kind : `group of ${r.versions.length}`)),
    ).to.deep.equal(['save', 'group of 3', 'revert', 'autosave', 'autosave', 'group of 2']);
    const group = rows[1]!;
    if (group.type !== 'autosaves') throw new Error('not a group');
    expect(group.key).to.equal(list[1]!.sha);
    expect(group.people.map((p) => p.name)).to.deep.equal(['ana', 'bo']);
  });

  it('labels a group with its count and time span, oldest to newest', () => {
    const a = v('autosave', { time: new Date(2026, 0, 1, 10, 40).toISOString() });
    const b = v('autosave', { time: new Date(2026, 0, 1, 10, 2).toISOString() });
    const label = groupLabel([a, b], new Date(2026, 0, 1, 12, 0));
    expect(label).to.match(/^2 autosaves, 10:02\s?(AM)?–10:40\s?(AM)?$/);
  });
});
