/**
 * The editor's comment marks (editor/live-comments.ts) move as the server moves the anchors
 * (protocol/live-comments.ts): the same ops, applied as editor changes, leave every mark where the
 * server's transform puts it, so gutters agree with what everyone reloads.
 */
import { EditorState } from '@codemirror/state';
import { expect } from 'chai';
import { transformAnchor } from '../../../server/src/protocol/live-comments';
import {
  commentMarks,
  liveComments,
  putCommentMark,
  removeCommentMark,
  setCommentMarks,
} from '../../src/editor/live-comments';
import { opToChanges } from '../../src/editor/sharedb-binding';

function seeded(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

describe('editor comment marks', () => {
  const start = () =>
    EditorState.create({ doc: 'one\ntwo\nthree\nfour\n', extensions: liveComments() }).update({
      effects: setCommentMarks.of([
        { id: 'a', from: 8, to: 18, resolved: false },
        { id: 'b', from: 0, to: 3, resolved: true },
      ]),
    }).state;

  it('set, put and remove replace, add and drop marks', () => {
    let state = start();
    expect(commentMarks(state).map((m) => m.id)).to.deep.equal(['a', 'b']);
    state = state.update({ effects: putCommentMark.of({ id: 'a', from: 4, to: 7, resolved: true }) }).state;
    expect(commentMarks(state).find((m) => m.id === 'a')).to.deep.include({ from: 4, to: 7, resolved: true });
    state = state.update({ effects: removeCommentMark.of('b') }).state;
    expect(commentMarks(state).map((m) => m.id)).to.deep.equal(['a']);
    // Past the end of the text (a stale answer) is clamped, never a crash.
    state = state.update({
      effects: putCommentMark.of({ id: 'c', from: 15, to: 999, resolved: false }),
    }).state;
    expect(commentMarks(state).find((m) => m.id === 'c')).to.deep.include({ from: 15, to: state.doc.length });
  });

  it('moves marks through 500 random edits exactly as the server moves anchors', () => {
    const random = seeded(7);
    let state = start();
    let anchors = commentMarks(state).map((m) => ({ id: m.id, from: m.from, to: m.to }));
    for (let i = 0; i < 500; i++) {
      const length = state.doc.length;
      const at = Math.floor(random() * (length + 1));
      const op =
        random() < 0.6 || length === 0
          ? [{ p: ['text', at], si: random() < 0.3 ? '\n' : 'xy'.slice(0, 1 + Math.floor(random() * 2)) }]
          : [
              {
                p: ['text', Math.min(at, length - 1)],
                sd: state.sliceDoc(
                  Math.min(at, length - 1),
                  Math.min(length, at + 1 + Math.floor(random() * 4)),
                ),
              },
            ];
      const changes = opToChanges(op, length)!;
      state = state.update({ changes }).state;
      anchors = anchors.map((a) => ({ id: a.id, ...transformAnchor(a, op) }));
      for (const a of anchors) {
        const mark = commentMarks(state).find((m) => m.id === a.id)!;
        expect({ from: mark.from, to: mark.to }, `edit ${i}: ${JSON.stringify(op)}`).to.deep.equal({
          from: a.from,
          to: a.to,
        });
      }
    }
  });
});
