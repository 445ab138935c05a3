/**
 * Issue 15, item 1: search across a session's files over the live text (unsaved typing included),
 * with plain, whole-word, case-sensitive and regex semantics, UTF-16 columns, a time cap a hostile
 * pattern cannot pass, and replace for editors as live edits committed as one version.
 */
import { expect } from 'chai';
import { gitInRepo } from '../helpers/git-cli.js';
import {
  openDoc,
  type RealtimeClient,
  settled,
  submit,
  textOf,
  waitFor,
} from '../helpers/realtime-client.js';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

describe('search across files', () => {
  let t: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let viewer: TestUser;
  const clients: RealtimeClient[] = [];

  before(async () => {
    t = await startServer({
      env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000', SEARCH_TIMEOUT_MS: '1000' },
    });
    alice = await registerUser(t.url, 'alice');
    bob = await registerUser(t.url, 'bob');
    viewer = await registerUser(t.url, 'vera');
  });
  after(async () => {
    for (const c of clients) c.close();
    await t.close();
  });

  const search = (u: TestUser, sessionId: string, params: Record<string, string>) =>
    api(t.url, 'GET', `/api/sessions/${sessionId}/search?${new URLSearchParams(params)}`, { token: u.token });
  const open = (u: TestUser, doc: { collection: string; id: string }) =>
    openDoc(clients, t.url, u.token, doc);
  const gitIn = (sessionId: string, args: string[]) => gitInRepo(t.reposDir, sessionId, args);

  it('finds unsaved typing: the live text, not the last version', async () => {
    const s = await createSession(t.url, alice, { files: { 'a.txt': 'hello\n', 'b/c.txt': 'nothing\n' } });
    const doc = await open(alice, s.files['b/c.txt']!.doc);
    await submit(doc, [{ p: ['text', textOf(doc).length], si: 'unsaved needle here\n' }]);
    await settled(doc);
    const r = await search(alice, s.id, { q: 'needle' });
    expect(r.status).to.equal(200);
    expect(r.body).to.deep.equal({
      results: [
        {
          path: 'b/c.txt',
          line: 2,
          column: 9,
          length: 6,
          preview: 'unsaved needle here',
          previewMatch: [8, 14],
        },
      ],
      truncated: false,
    });
  });

  it('plain text is literal and case-insensitive by default; case, whole word and regex narrow or widen it', async () => {
    const s = await createSession(t.url, alice, {
      files: { 'x.ts': 'const Foo = foo.bar;\nfoobar(a.b);\nfoo_x FOO\n' },
    });
    const hits = async (params: Record<string, string>) => {
      const r = await search(alice, s.id, params);
      expect(r.status, JSON.stringify(r.body)).to.equal(200);
      return (r.body.results as Array<{ line: number; column: number }>).map((h) => `${h.line}:${h.column}`);
    };
    expect(await hits({ q: 'foo' })).to.deep.equal(['1:7', '1:13', '2:1', '3:1', '3:7']);
    expect(await hits({ q: 'foo', case: '1' })).to.deep.equal(['1:13', '2:1', '3:1']);
    expect(await hits({ q: 'foo', word: '1' })).to.deep.equal(['1:7', '1:13', '3:7']);
    expect(await hits({ q: 'foo', word: '1', case: 'true' })).to.deep.equal(['1:13']);
    // Plain: the dot is a dot. Regex: any character.
    expect(await hits({ q: 'a.b' })).to.deep.equal(['2:8']);
    expect(await hits({ q: 'o.b', regex: '1' })).to.deep.equal(['1:15', '2:2']);
    expect(await hits({ q: '^foo\\w*', regex: '1', case: '1' })).to.deep.equal(['2:1', '3:1']);
  });

  it('columns are UTF-16 code units (CodeMirror’s), and an astral character is one match, never half', async () => {
    const s = await createSession(t.url, alice, { files: { 'e.md': '😀 smile 😀x\n' } });
    const r = await search(alice, s.id, { q: 'smile' });
    expect(r.body.results[0]).to.include({ line: 1, column: 4, length: 5 });
    const emoji = await search(alice, s.id, { q: '😀' });
    expect(
      emoji.body.results.map((h: { column: number; length: number }) => [h.column, h.length]),
    ).to.deep.equal([
      [1, 2],
      [10, 2],
    ]);
    // In regex mode `.` is one code point: the astral character whole.
    const dot = await search(alice, s.id, { q: '.x', regex: '1' });
    expect(dot.body.results[0]).to.include({ column: 10, length: 3 });
  });

  it('refuses an invalid regex with the reason, and an empty or overlong query', async () => {
    const s = await createSession(t.url, alice, { files: { 'a.txt': 'a\n' } });
    const bad = await search(alice, s.id, { q: 'a(', regex: '1' });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('ERR_VALIDATION');
    expect(bad.body.error.message).to.match(/^q: Invalid regular expression/);
    expect((await search(alice, s.id, { q: '' })).status).to.equal(400);
    expect((await search(alice, s.id, { q: 'x'.repeat(1001) })).status).to.equal(400);
  });

  it('a catastrophic regex fails within the cap while the server keeps answering', async () => {
    const line = `${'a'.repeat(40)}b`;
    const s = await createSession(t.url, alice, { files: { 'evil.txt': `${line}\n` } });
    const started = Date.now();
    const pending = search(alice, s.id, { q: '(a+)+$', regex: '1' });
    // Meanwhile other requests are answered at once.
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const health = await api(t.url, 'GET', '/api/health');
      expect(health.status).to.equal(200);
      expect(Date.now() - t0).to.be.below(300);
    }
    const r = await pending;
    const took = Date.now() - started;
    expect(r.status).to.equal(422);
    expect(r.body.error.code).to.equal('ERR_SEARCH_TOO_SLOW');
    expect(took).to.be.below(3000);
    // The pool has a fresh worker: the next search works.
    const ok = await search(alice, s.id, { q: 'b' });
    expect(ok.status).to.equal(200);
    expect(ok.body.results).to.have.length(1);
  });

  it('caps the results and the preview, and says the answer is truncated', async () => {
    const long = `${'x'.repeat(1000)}needle${'y'.repeat(1000)}`;
    const many = 'hit\n'.repeat(2500);
    const s = await createSession(t.url, alice, { files: { 'long.txt': long, 'many.txt': many } });
    const r1 = await search(alice, s.id, { q: 'needle' });
    const h = r1.body.results[0];
    expect(h.preview.length).to.be.at.most(200);
    expect(h.preview.slice(h.previewMatch[0], h.previewMatch[1])).to.equal('needle');
    expect(h.column).to.equal(1001);
    const r2 = await search(alice, s.id, { q: 'hit' });
    expect(r2.body.truncated).to.equal(true);
    expect(r2.body.results).to.have.length(2000);
  });

  it('a viewer can search but not replace', async () => {
    const s = await createSession(t.url, alice, {
      members: [[viewer, 'viewer']],
      files: { 'a.txt': 'alpha\n' },
    });
    const r = await search(viewer, s.id, { q: 'alpha' });
    expect(r.status).to.equal(200);
    expect(r.body.results).to.have.length(1);
    const rep = await api(t.url, 'POST', `/api/sessions/${s.id}/replace`, {
      token: viewer.token,
      body: { q: 'alpha', replacement: 'beta' },
    });
    expect(rep.status).to.equal(403);
    expect(rep.body.error.code).to.equal('ERR_FORBIDDEN');
    // Non-members: as if there were no session.
    const outsider = await search(bob, s.id, { q: 'alpha' });
    expect(outsider.status).to.equal(404);
  });

  it('replace while someone types keeps their keystrokes, updates open editors in place and makes one version', async () => {
    const s = await createSession(t.url, alice, {
      members: [[bob, 'editor']],
      files: {
        'one.ts': 'let oldName = 1;\noldName += 2;\n',
        'two.ts': 'export { oldName };\n',
        'three.ts': 'untouched\n',
      },
    });
    const before = await api(t.url, 'POST', `/api/sessions/${s.id}/versions`, {
      token: alice.token,
      body: {},
    });
    const countBefore = Number((await gitIn(s.id, ['rev-list', '--count', 'HEAD'])).stdout.trim());
    const typing = await open(bob, s.files['one.ts']!.doc);
    const watching = await open(alice, s.files['two.ts']!.doc);
    // Bob types at the end of line 1, and in the middle of the word being replaced, while it runs.
    let typed = 0;
    let stop = false;
    const typist = (async () => {
      while (!stop) {
        await submit(typing, [{ p: ['text', textOf(typing).indexOf(';')], si: 'k' }]);
        typed++;
      }
    })();
    await waitFor(() => typed >= 3, 3000, 'typing');
    const rep = await api(t.url, 'POST', `/api/sessions/${s.id}/replace`, {
      token: alice.token,
      body: { q: 'old(\\w+)', regex: true, case: true, replacement: 'new$1', word: true },
    });
    const after = typed;
    await waitFor(() => typed >= after + 3, 3000, 'more typing');
    stop = true;
    await typist;
    await settled(typing);
    expect(rep.status, JSON.stringify(rep.body)).to.equal(200);
    expect(rep.body).to.include({ files: 2, replacements: 3 });
    expect(rep.body.sha).to.match(/^[0-9a-f]{40}$/);
    expect(textOf(typing)).to.equal(`let newName = 1${'k'.repeat(typed)};\nnewName += 2;\n`);
    await waitFor(() => textOf(watching) === 'export { newName };\n', 3000, 'the open editor updated');
    const log = await gitIn(s.id, ['log', '--format=%s', `${before.body.sha}..HEAD`]);
    expect(log.stdout.trim().split('\n')).to.deep.equal(["Replace 'old(\\w+)' with 'new$1' in 2 files"]);
    expect(Number((await gitIn(s.id, ['rev-list', '--count', 'HEAD'])).stdout.trim())).to.equal(
      countBefore + 1,
    );
    const committed = await gitIn(s.id, ['show', `${rep.body.sha}:two.ts`]);
    expect(committed.stdout).to.equal('export { newName };\n');
  });

  it('replace in chosen paths only; nothing matched commits nothing', async () => {
    const s = await createSession(t.url, alice, { files: { 'a.txt': 'cat\n', 'b.txt': 'cat\n' } });
    const rep = await api(t.url, 'POST', `/api/sessions/${s.id}/replace`, {
      token: alice.token,
      body: { q: 'cat', replacement: 'dog', paths: ['b.txt'] },
    });
    expect(rep.body).to.include({ files: 1, replacements: 1 });
    const r = await search(alice, s.id, { q: 'dog' });
    expect(r.body.results.map((h: { path: string }) => h.path)).to.deep.equal(['b.txt']);
    const none = await api(t.url, 'POST', `/api/sessions/${s.id}/replace`, {
      token: alice.token,
      body: { q: 'zebra', replacement: 'dog' },
    });
    expect(none.body).to.deep.equal({ files: 0, replacements: 0, sha: null });
    const missing = await api(t.url, 'POST', `/api/sessions/${s.id}/replace`, {
      token: alice.token,
      body: { q: 'cat', replacement: 'dog', paths: ['nope.txt'] },
    });
    expect(missing.status).to.equal(404);
  });
});
