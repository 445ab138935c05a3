import { EditorSelection } from '@codemirror/state';
import { expect } from 'chai';
import type ShareDB from 'sharedb';
import { remoteCursors, remoteCursorsExtension } from '../../src/editor/remote-cursors';
import { createBackend, createFileDoc, Peer, settle, sleep } from '../helpers/sharedb-peers';

const ana = { userId: 'u1', username: 'ana', displayName: 'Ana', color: '#d33682' };
const bo = { userId: 'u2', username: 'bo', displayName: 'Bo', color: '#268bd2' };

describe('remote cursors', () => {
  let backend: ShareDB;
  let peers: Peer[];

  beforeEach(() => {
    ({ backend } = createBackend());
    peers = [];
  });

  afterEach(() => {
    for (const peer of peers) peer.close();
    backend.close();
  });

  async function pair(text: string): Promise<[Peer, Peer]> {
    await createFileDoc(backend, 'f1', text);
    const a = (await Peer.join(backend, 'f1', ana, remoteCursorsExtension())).withCursors();
    const b = (await Peer.join(backend, 'f1', bo, remoteCursorsExtension())).withCursors();
    peers.push(a, b);
    return [a, b];
  }

  /** Lets presence messages and the microtask that applies them through. */
  async function quiet(): Promise<void> {
    await settle(peers);
    await sleep(20);
  }

  const cursorOf = (peer: Peer, user: string) =>
    remoteCursors(peer.state).find((c) => c.user.username === user);

  it('shows where the other person is, with their name and colour from the server', async () => {
    const [a, b] = await pair('hello world');
    b.dispatch({ selection: EditorSelection.range(6, 11) });
    await quiet();
    const cursor = cursorOf(a, 'bo');
    expect(cursor).to.include({ anchor: 6, head: 11 });
    expect(cursor?.user).to.deep.equal(bo);
  });

  it('moves a remote cursor through my edits before it, and not through edits after it', async () => {
    const [a, b] = await pair('hello world');
    b.dispatch({ selection: EditorSelection.cursor(6) });
    await quiet();
    a.dispatch({ changes: { from: 0, insert: '😀 ' } }); // 3 UTF-16 units before b's caret
    a.dispatch({ changes: { from: a.state.doc.length, insert: '!' } });
    expect(cursorOf(a, 'bo')?.head, 'mapped immediately').to.equal(9);
    await quiet();
    expect(cursorOf(a, 'bo')?.head, 'and still right once presence catches up').to.equal(9);
    expect(b.state.selection.main.head).to.equal(9);
  });

  it("keeps a remote caret before text I insert at it, and moves it past the owner's own typing", async () => {
    const [a, b] = await pair('abc');
    b.dispatch({ selection: EditorSelection.cursor(1) });
    await quiet();
    a.dispatch({ changes: { from: 1, insert: 'XY' } });
    await quiet();
    expect(cursorOf(a, 'bo')?.head).to.equal(1);
    b.dispatch({ changes: { from: 1, insert: '中文' }, selection: EditorSelection.cursor(3) });
    await quiet();
    expect(a.state.doc.toString()).to.equal('a中文XYbc');
    expect(cursorOf(a, 'bo')?.head).to.equal(3);
    expect(cursorOf(b, 'ana')?.head).to.equal(a.state.selection.main.head);
  });

  it('maps cursors through concurrent edits on both sides', async () => {
    const [a, b] = await pair('0123456789');
    a.dispatch({ selection: EditorSelection.cursor(8) });
    b.dispatch({ selection: EditorSelection.cursor(2) });
    await quiet();
    // Both edit at once, before either sees the other's op.
    a.dispatch({ changes: { from: 0, to: 1 } });
    b.dispatch({ changes: { from: 5, insert: '🙂🙂' } });
    await quiet();
    expect(a.state.doc.toString()).to.equal(b.state.doc.toString());
    expect(cursorOf(a, 'bo')?.head).to.equal(b.state.selection.main.head);
    expect(cursorOf(b, 'ana')?.head).to.equal(a.state.selection.main.head);
  });

  it('removes the cursor when the other editor closes', async () => {
    const [a, b] = await pair('abc');
    b.dispatch({ selection: EditorSelection.cursor(2) });
    await quiet();
    expect(cursorOf(a, 'bo')).to.not.equal(undefined);
    b.cursors!.destroy();
    await quiet();
    expect(cursorOf(a, 'bo')).to.equal(undefined);
  });
});
