import { redo, undo } from '@codemirror/commands';
import { ChangeSet, EditorSelection, Text } from '@codemirror/state';
import { expect } from 'chai';
import type ShareDB from 'sharedb';
import { changesToOp, opToChanges } from '../../src/editor/sharedb-binding';
import {
  createBackend,
  createFileDoc,
  Peer,
  random,
  settle,
  surrogateViolation,
  tick,
} from '../helpers/sharedb-peers';

const users = ['ana', 'bo', 'chen', 'dara', 'eli'].map((name, i) => ({
  userId: `u${i}`,
  username: name,
  displayName: name,
  color: '#336699',
}));

/** Pieces that stress UTF-16 handling: astral emoji, ZWJ sequences, flags, CJK, combining marks. */
const PIECES = [
  'a',
  'bc',
  ' ',
  '\n',
  'é',
  'e\u0301',
  '中文',
  '한국어',
  '😀',
  '👩‍💻',
  '🇫🇷',
  '𝔘𝔫𝔦',
  'x😀y',
  '\t',
];

describe('sharedb binding', () => {
  let backend: ShareDB;
  let violations: string[];
  let peers: Peer[];

  beforeEach(() => {
    ({ backend, violations } = createBackend());
    peers = [];
  });

  afterEach(() => {
    for (const peer of peers) peer.close();
    backend.close();
  });

  async function join(count: number, id = 'f1', text = 'seed 😀 text\n'): Promise<Peer[]> {
    await createFileDoc(backend, id, text);
    for (let i = 0; i < count; i++) peers.push(await Peer.join(backend, id, users[i]!));
    return peers;
  }

  it('converts a multi-range change into one op whose components apply in order', () => {
    const before = Text.of(['hello world']);
    const changes = ChangeSet.of(
      [
        { from: 0, to: 5, insert: 'HELLO' },
        { from: 6, insert: '>> ' },
      ],
      before.length,
    );
    const after = changes.apply(before);
    const op = changesToOp(changes, before, after);
    expect(op).to.deep.equal([
      { p: ['text', 0], sd: 'hello' },
      { p: ['text', 0], si: 'HELLO' },
      { p: ['text', 6], si: '>> ' },
    ]);
    const back = opToChanges(op, before.length)!;
    expect(back.apply(before).toString()).to.equal(after.toString());
  });

  it('widens a change that would split a surrogate pair to the whole character', () => {
    const before = Text.of(['a😀b']);
    // Replace only the low half of the emoji: the op must not cut the pair.
    const changes = ChangeSet.of({ from: 2, to: 3, insert: '\ude03' }, before.length);
    const after = changes.apply(before);
    const op = changesToOp(changes, before, after);
    expect(surrogateViolation(before.toString(), op)).to.equal(null);
    expect(op).to.deep.equal([
      { p: ['text', 1], sd: '😀' },
      { p: ['text', 1], si: '😃' },
    ]);
  });

  it('local edits reach the other peers as the same text', async () => {
    const [a, b] = await join(2);
    a!.dispatch({ changes: { from: 0, insert: '👋 hi ' } });
    await settle(peers);
    expect(b!.text).to.equal('👋 hi seed 😀 text\n');
    expect(a!.doc.data.text).to.equal(a!.text);
  });

  for (const seed of [1, 2, 3, 4, 5]) {
    it(`peers making random concurrent edits converge to identical text (seed ${seed})`, async function () {
      this.timeout(30_000);
      const rnd = random(seed);
      await join(4);
      for (let round = 0; round < 40; round++) {
        for (const peer of peers) {
          const edits = rnd.int(3);
          for (let e = 0; e < edits; e++) {
            const len = peer.state.doc.length;
            // Positions are raw UTF-16 offsets on purpose: some land inside surrogate pairs.
            const from = rnd.int(len + 1);
            const kind = rnd.int(4);
            if (kind === 0 && len > 0) {
              peer.dispatch({ changes: { from, to: Math.min(len, from + 1 + rnd.int(6)) } });
            } else if (kind === 1 && len > 0) {
              const to = Math.min(len, from + rnd.int(4));
              peer.dispatch({ changes: { from, to, insert: rnd.pick(PIECES) + rnd.pick(PIECES) } });
            } else if (kind === 2) {
              // Several ranges in one transaction, like multi-cursor typing.
              const second = rnd.int(len + 1);
              peer.dispatch({
                changes: [
                  { from: Math.min(from, second), insert: rnd.pick(PIECES) },
                  { from: Math.max(from, second), insert: rnd.pick(PIECES) },
                ],
              });
            } else {
              peer.dispatch({ changes: { from, insert: rnd.pick(PIECES) } });
            }
          }
        }
        // Let some messages through between rounds, so peers edit against stale versions.
        if (rnd.int(3) === 0) await tick();
      }
      await settle(peers);
      const texts = new Set(peers.map((p) => p.text));
      expect(texts.size, 'all editors show the same text').to.equal(1);
      for (const peer of peers) expect(peer.doc.data.text).to.equal(peer.text);
      expect(violations, 'no op split a surrogate pair').to.deep.equal([]);
      expect(peers.flatMap((p) => p.errors)).to.deep.equal([]);
      const final = peers[0]!.text;
      expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(final)).to.equal(
        false,
      );
    });
  }

  it('undo only undoes my own change, after remote edits around it', async () => {
    const [a, b] = await join(2, 'f1', 'one two three');
    a!.dispatch({ changes: { from: 4, insert: 'AAA ' }, userEvent: 'input.type' });
    await settle(peers);
    b!.dispatch({
      changes: [
        { from: 0, insert: '[' },
        { from: b!.state.doc.length, insert: ']' },
      ],
    });
    b!.dispatch({ changes: { from: 9, insert: 'B' } }); // right after a's insertion
    await settle(peers);
    expect(a!.text).to.equal('[one AAA Btwo three]');
    expect(undo(a!.target)).to.equal(true);
    await settle(peers);
    expect(a!.text).to.equal('[one Btwo three]');
    expect(b!.text).to.equal('[one Btwo three]');
    // Nothing of b's is in a's history.
    expect(undo(a!.target)).to.equal(false);
    expect(redo(a!.target)).to.equal(true);
    await settle(peers);
    expect(b!.text).to.equal('[one AAA Btwo three]');
  });

  it('a rejected op is rolled back in the editor and the peers stay in sync', async () => {
    const [a, b] = await join(2, 'f1', 'abc');
    backend.use('submit', (request, next) => {
      const op = (request.op as { op?: unknown }).op as { si?: string }[] | undefined;
      if (op?.some((c) => c.si === 'FORBIDDEN'))
        return next({ code: 'ERR_INVALID_OP', message: 'refused' } as unknown as Error);
      next();
    });
    a!.dispatch({ changes: { from: 1, insert: 'FORBIDDEN' } });
    expect(a!.text).to.equal('aFORBIDDENbc');
    await settle(peers);
    await tick();
    expect(a!.text).to.equal('abc');
    expect(b!.text).to.equal('abc');
    expect(a!.errors.length).to.be.greaterThan(0);
  });

  it('an op refused because the file was deleted keeps the typing in the editor, and the binding lets go', async () => {
    const [a, b] = await join(2, 'f1', 'abc');
    // The server refuses it while the file is sealed: the document still exists when the client
    // refetches it, and that refetch must not overwrite what was typed.
    backend.use('submit', (request, next) => {
      const op = (request.op as { op?: unknown }).op as { si?: string }[] | undefined;
      if (op?.some((c) => c.si?.includes('late')))
        return next({ code: 'ERR_FILE_DELETED', message: 'deleted' } as unknown as Error);
      next();
    });
    a!.dispatch({ changes: { from: 3, insert: ' late' } });
    await settle(peers);
    await tick();
    expect(a!.binding.orphaned).to.equal(true);
    expect(a!.text).to.equal('abc late');
    expect(a!.errors, 'not reported as a failed edit').to.deep.equal([]);
    // From here on the editor holds a local copy: nothing is sent, nothing replaces it.
    a!.dispatch({ changes: { from: 0, insert: '> ' } });
    b!.dispatch({ changes: { from: 0, insert: 'B' } });
    await settle(peers);
    await tick();
    expect(a!.text).to.equal('> abc late');
    expect(b!.text).to.equal('Babc');
  });

  it('a reload of the doc replaces the text and starts a fresh history', async () => {
    const [a] = await join(1, 'f1', 'abc');
    a!.dispatch({ changes: { from: 3, insert: 'd' }, selection: EditorSelection.cursor(4) });
    await settle(peers);
    // Simulate what ShareDB does after a hard rollback: a snapshot ingested with a new version.
    a!.doc.data = { text: 'something else' };
    a!.doc.emit('load');
    expect(a!.text).to.equal('something else');
    expect(undo(a!.target)).to.equal(false);
  });
});
