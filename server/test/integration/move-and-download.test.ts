import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { git, tempDir } from '../helpers/git-cli.js';
import {
  type ClientDoc,
  connectClient,
  emitAck,
  fetchDoc,
  type RealtimeClient,
  submit,
  subscribe,
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

const PASSWORD = 'correct horse';

/** GET `urlPath` and keep the body as bytes. */
async function download(t: TestServer, urlPath: string, headers: Record<string, string>) {
  const res = await fetch(t.url + urlPath, { headers });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const bearer = (u: TestUser) => ({ authorization: `Bearer ${u.token}` });
const basic = (u: TestUser, secret = PASSWORD) => ({
  authorization: `Basic ${Buffer.from(`${u.username}:${secret}`).toString('base64')}`,
});

/** A zip's entries, name → text, read by Python's zipfile (which checks every CRC). */
function unzip(bytes: Buffer): Promise<Record<string, string>> {
  const file = path.join(tempDir('gitpad-zip-'), 'a.zip');
  fs.writeFileSync(file, bytes);
  const script =
    'import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n' +
    'print(json.dumps({n: z.read(n).decode() for n in z.namelist()}))';
  return new Promise((resolve, reject) =>
    execFile('python3', ['-c', script, file], (err, stdout, stderr) =>
      err ? reject(new Error(stderr)) : resolve(JSON.parse(stdout)),
    ),
  );
}

describe('moving files and folders, and taking a session out', () => {
  let t: TestServer;
  let owner: TestUser;
  let viewer: TestUser;
  let stranger: TestUser;
  const clients: RealtimeClient[] = [];

  before(async () => {
    // Versions only when a test asks (Save version, a folder move).
    t = await startServer({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
    owner = await registerUser(t.url, undefined, PASSWORD);
    viewer = await registerUser(t.url, undefined, PASSWORD);
    stranger = await registerUser(t.url, undefined, PASSWORD);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(() => t.close());

  async function manifestOf(user: TestUser, sessionId: string): Promise<ClientDoc> {
    const client = await connectClient(t.url, user.token);
    clients.push(client);
    const doc = client.connection.get('sessions', sessionId);
    await subscribe(doc);
    return doc;
  }

  async function history(sessionId: string) {
    return (await api(t.url, 'GET', `/api/sessions/${sessionId}/versions`, { token: owner.token }))
      .body as Array<{
      sha: string;
      subject: string;
    }>;
  }

  const save = (sessionId: string) =>
    api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, { token: owner.token, body: {} });

  it('moves a folder with everything under it in one manifest op and one version, and says who moved it', async () => {
    const s = await createSession(t.url, owner, {
      files: { 'src/a.ts': 'a\n', 'src/lib/b.ts': 'b\n', 'top.md': '# top\n' },
    });
    await api(t.url, 'POST', `/api/sessions/${s.id}/folders`, {
      token: owner.token,
      body: { path: 'src/empty' },
    });
    await save(s.id);
    const doc = await manifestOf(owner, s.id);
    const ops: unknown[] = [];
    doc.on('op batch', (op: unknown) => ops.push(op));
    const client = clients[0]!;
    await emitAck(client.socket, 'session:join', { sessionId: s.id });
    const events: Array<Record<string, unknown>> = [];
    client.socket.on('session:event', (e: Record<string, unknown>) => events.push(e));
    const v0 = doc.version!;
    const before = await history(s.id);

    const res = await api(t.url, 'POST', `/api/sessions/${s.id}/folders/move`, {
      token: owner.token,
      body: { from: 'src/', to: 'lib' },
    });
    expect(res.status).to.equal(200);
    expect(res.body.files.map((f: { path: string }) => f.path).sort()).to.deep.equal([
      'lib/a.ts',
      'lib/lib/b.ts',
    ]);
    // File ids do not change: tabs keyed by id follow.
    expect(res.body.files.map((f: { id: string }) => f.id).sort()).to.deep.equal(
      [s.files['src/a.ts']!.id, s.files['src/lib/b.ts']!.id].sort(),
    );
    await waitFor(() => doc.version === v0 + 1, 5000, 'the manifest op');
    expect(ops).to.have.length(1);
    expect(
      Object.values(doc.data.files)
        .map((f: any) => f.path)
        .sort(),
    ).to.deep.equal(['lib/a.ts', 'lib/lib/b.ts', 'top.md']);
    expect(doc.data.folders).to.deep.equal({ 'lib/empty': {} });

    const after = await history(s.id);
    expect(after).to.have.length(before.length + 1);
    expect(after[0]!.subject).to.equal('Move src/ to lib/');
    expect(res.body.sha).to.equal(after[0]!.sha);
    const tree = await git([
      '--git-dir',
      path.join(t.reposDir, `${s.id}.git`),
      'ls-tree',
      '-r',
      '--name-only',
      after[0]!.sha,
    ]);
    expect(tree.stdout.trim().split('\n')).to.deep.equal(['lib/a.ts', 'lib/lib/b.ts', 'top.md']);
    await waitFor(() => events.find((e) => e.type === 'moved'), 5000, 'the moved event');
    expect(events.find((e) => e.type === 'moved')).to.deep.include({
      kind: 'folder',
      from: 'src',
      to: 'lib',
      sha: after[0]!.sha,
      by: { id: owner.id, displayName: owner.username },
    });
  });

  it('refuses a move that clashes, or goes into itself, with nothing written; a case-only rename works', async () => {
    const s = await createSession(t.url, owner, {
      files: { 'src/a.ts': 'a\n', 'src/b.ts': 'b\n', 'lib/a.ts': 'other\n', 'Docs/x.md': 'x\n' },
    });
    await save(s.id);
    const doc = await manifestOf(owner, s.id);
    const v0 = doc.version!;
    const before = await history(s.id);
    const move = (from: string, to: string) =>
      api(t.url, 'POST', `/api/sessions/${s.id}/folders/move`, { token: owner.token, body: { from, to } });

    const clash = await move('src', 'lib');
    expect(clash.status).to.equal(409);
    expect(clash.body.error.code).to.equal('ERR_PATH_EXISTS');
    expect(clash.body.error.message).to.equal('"lib" already exists.');
    const caseClash = await move('src', 'docs');
    expect(caseClash.status).to.equal(409);
    expect(caseClash.body.error.code).to.equal('ERR_PATH_EXISTS');
    const ontoFile = await move('Docs', 'lib/a.ts');
    expect(ontoFile.status).to.equal(409);
    const fileOnWay = await move('Docs', 'lib/a.ts/docs');
    expect(fileOnWay.status).to.equal(409);
    expect(fileOnWay.body.error.message).to.include('a file and a folder');
    const inside = await move('src', 'src/inner');
    expect(inside.status).to.equal(400);
    expect(inside.body.error.code).to.equal('ERR_INVALID_PATH');
    const badName = await move('src', 'a/.git');
    expect(badName.status).to.equal(400);
    const missing = await move('nope', 'elsewhere');
    expect(missing.status).to.equal(404);
    await fetchDoc(doc);
    expect(doc.version).to.equal(v0);
    expect(await history(s.id)).to.deep.equal(before);

    // File by file, `Src/a.ts` would stand beside `src/b.ts`; as one op it is just a rename.
    const renamed = await move('src', 'Src');
    expect(renamed.status).to.equal(200);
    await waitFor(() => doc.version === v0 + 1, 5000, 'the manifest op');
    expect(
      Object.values(doc.data.files)
        .map((f: any) => f.path)
        .sort(),
    ).to.deep.equal(['Docs/x.md', 'Src/a.ts', 'Src/b.ts', 'lib/a.ts']);
  });

  it('keeps an empty folder: another client sees it live, and it survives a restart', async function () {
    this.timeout(30_000);
    const s = await createSession(t.url, owner, { members: [[viewer, 'viewer']], files: { 'a.txt': 'a' } });
    const theirs = await manifestOf(viewer, s.id);
    expect(theirs.data.folders).to.equal(undefined);
    const made = await api(t.url, 'POST', `/api/sessions/${s.id}/folders`, {
      token: owner.token,
      body: { path: 'src/main' },
    });
    expect(made.status).to.equal(201);
    expect(made.body).to.deep.equal({ path: 'src/main' });
    await waitFor(() => theirs.data.folders?.['src/main'], 5000, 'the folder to reach the other client');
    const again = await api(t.url, 'POST', `/api/sessions/${s.id}/folders`, {
      token: owner.token,
      body: { path: 'Src/Main' },
    });
    expect(again.status).to.equal(409);
    expect(again.body.error.code).to.equal('ERR_PATH_EXISTS');
    const onFile = await api(t.url, 'POST', `/api/sessions/${s.id}/folders`, {
      token: owner.token,
      body: { path: 'a.txt' },
    });
    expect(onFile.status).to.equal(409);
    const byViewer = await api(t.url, 'POST', `/api/sessions/${s.id}/folders`, {
      token: viewer.token,
      body: { path: 'x' },
    });
    expect(byViewer.status).to.equal(403);
    // "New file" with a path makes the folders on its way, and may go into the empty folder.
    const nested = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: owner.token,
      body: { path: 'src/main/app.py' },
    });
    expect(nested.status).to.equal(201);
    const fileAsFolder = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: owner.token,
      body: { path: 'src/main' },
    });
    expect(fileAsFolder.status).to.equal(409);

    for (const c of clients.splice(0)) c.close();
    await t.close({ keepData: true });
    t = await startServer({
      dataDir: t.dataDir,
      reposDir: t.reposDir,
      env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' },
    });
    const afterRestart = await manifestOf(owner, s.id);
    expect(afterRestart.data.folders).to.deep.equal({ 'src/main': {} });
    const detail = await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: viewer.token });
    expect(detail.body.folders).to.deep.equal(['src/main']);
    const gone = await api(t.url, 'DELETE', `/api/sessions/${s.id}/folders/src`, { token: owner.token });
    expect(gone.status).to.equal(204);
    await waitFor(() => Object.keys(afterRestart.data.folders).length === 0, 5000, 'the folder to go');
  });

  it('renames a file with a path relative to its folder, and refuses one above the top', async () => {
    const s = await createSession(t.url, owner, { files: { 'app/src/lib.rs': 'fn x() {}\n' } });
    const id = s.files['app/src/lib.rs']!.id;
    const rename = (p: string) =>
      api(t.url, 'PATCH', `/api/sessions/${s.id}/files/${id}`, { token: owner.token, body: { path: p } });
    const up = await rename('../../web/lib.rs');
    expect(up.status).to.equal(200);
    expect(up.body).to.include({ id, path: 'web/lib.rs', language: 'rust' });
    expect(up.body).to.not.have.property('previousPath');
    const here = await rename('./core/lib.rs');
    expect(here.body.path).to.equal('web/core/lib.rs');
    const top = await rename('/lib.rs');
    expect(top.status).to.equal(400);
    const above = await rename('../../../x.rs');
    expect(above.status).to.equal(400);
    expect(above.body.error.code).to.equal('ERR_INVALID_PATH');
    expect(above.body.error.message).to.include('above');
    const plain = await rename('web/lib.rs');
    expect(plain.body.path).to.equal('web/lib.rs');
  });

  it('serves a version as exactly what git archive makes, and the live text (typing included) as a zip', async function () {
    this.timeout(30_000);
    const s = await createSession(t.url, owner, {
      members: [[viewer, 'viewer']],
      files: { 'src/main.py': 'print("hi")\n', 'README.md': '# Café\n', 'docs/naïve ☕.md': 'ok\n' },
    });
    const saved = await save(s.id);
    const sha = saved.body.sha as string;
    await api(t.url, 'POST', `/api/sessions/${s.id}/folders`, {
      token: owner.token,
      body: { path: 'empty' },
    });

    const zip = await download(
      t,
      `/api/sessions/${s.id}/versions/${sha.slice(0, 10)}/archive.zip`,
      bearer(viewer),
    );
    expect(zip.status).to.equal(200);
    expect(zip.headers.get('content-type')).to.equal('application/zip');
    expect(zip.headers.get('content-disposition')).to.include(`filename="${s.id}-${sha.slice(0, 7)}.zip"`);
    const out = path.join(tempDir('gitpad-archive-'), 'expected.zip');
    const made = await git([
      '--git-dir',
      path.join(t.reposDir, `${s.id}.git`),
      'archive',
      '--format=zip',
      '-o',
      out,
      sha,
    ]);
    expect(made.code, made.stderr).to.equal(0);
    expect(zip.bytes.equals(fs.readFileSync(out))).to.equal(true);

    // Typing not yet in any version is in the live zip.
    const client = await connectClient(t.url, owner.token);
    clients.push(client);
    const fileDoc = client.connection.get('files', s.files['src/main.py']!.doc.id);
    await subscribe(fileDoc);
    await submit(fileDoc, [{ p: ['text', 0], si: '# unsaved\n' }]);
    const live = await download(t, `/api/sessions/${s.id}/archive.zip`, basic(viewer));
    expect(live.status).to.equal(200);
    expect(live.headers.get('content-disposition')).to.include(`filename="${s.id}-live.zip"`);
    expect(await unzip(live.bytes)).to.deep.equal({
      'README.md': '# Café\n',
      'docs/naïve ☕.md': 'ok\n',
      'empty/': '',
      'src/main.py': '# unsaved\nprint("hi")\n',
    });

    const one = await download(
      t,
      `/api/sessions/${s.id}/files/${s.files['README.md']!.id}/raw`,
      bearer(viewer),
    );
    expect(one.status).to.equal(200);
    expect(one.headers.get('content-disposition')).to.equal(
      `attachment; filename="README.md"; filename*=UTF-8''README.md`,
    );
    expect(one.bytes.toString('utf8')).to.equal('# Café\n');

    // A name that is not ASCII: a safe fallback, and the exact name in RFC 5987 form.
    const named = await download(
      t,
      `/api/sessions/${s.id}/files/${s.files['docs/naïve ☕.md']!.id}/raw`,
      bearer(viewer),
    );
    expect(named.headers.get('content-disposition')).to.equal(
      `attachment; filename="na_ve _.md"; filename*=UTF-8''na%C3%AFve%20%E2%98%95.md`,
    );
    const bad = await download(
      t,
      `/api/sessions/${s.id}/versions/${'0'.repeat(40)}/archive.zip`,
      bearer(owner),
    );
    expect(bad.status).to.equal(404);
  });

  it('hands out a git bundle that git clones, with the versions and tags', async function () {
    this.timeout(30_000);
    const s = await createSession(t.url, owner, { files: { 'a.txt': 'one\n' } });
    const none = await download(t, `/api/sessions/${s.id}/bundle`, bearer(owner));
    expect(none.status).to.equal(404);
    const first = await save(s.id);
    await api(t.url, 'POST', `/api/sessions/${s.id}/versions/${first.body.sha}/tags`, {
      token: owner.token,
      body: { name: 'v1' },
    });
    await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: owner.token,
      body: { path: 'b.txt', content: 'two\n' },
    });
    await save(s.id);
    const bundle = await download(t, `/api/sessions/${s.id}/bundle`, bearer(owner));
    expect(bundle.status).to.equal(200);
    expect(bundle.headers.get('content-disposition')).to.include(`${s.id}.bundle`);
    const dir = tempDir('gitpad-bundle-');
    fs.writeFileSync(path.join(dir, 's.bundle'), bundle.bytes);
    const cloned = await git(['clone', '--quiet', path.join(dir, 's.bundle'), path.join(dir, 'work')]);
    expect(cloned.code, cloned.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(dir, 'work', 'b.txt'), 'utf8')).to.equal('two\n');
    const log = await git(['log', '--format=%s', 'main'], { cwd: path.join(dir, 'work') });
    expect(log.stdout.trim().split('\n')).to.have.length(2);
    const tags = await git(['tag'], { cwd: path.join(dir, 'work') });
    expect(tags.stdout.trim()).to.equal('v1');
  });

  it('kills git when the client goes away mid-download', async function () {
    this.timeout(30_000);
    // Incompressible text, more than the socket and stream buffers hold: git blocks on a full pipe
    // while nobody reads, so it is still running when the client leaves.
    const noise = (seed: number) => randomBytes(2 * 1024 * 1024).toString('base64') + String(seed);
    const s = await createSession(t.url, owner, { files: { 'a.txt': noise(1), 'b.txt': noise(2) } });
    const { sha } = (await save(s.id)).body;
    const repoDir = path.join(t.reposDir, `${s.id}.git`);
    const running = () =>
      new Promise<boolean>((resolve) =>
        execFile('ps', ['-eo', 'args'], (_err, stdout) =>
          resolve(stdout.split('\n').some((line) => line.includes(repoDir) && line.includes('archive'))),
        ),
      );
    const abort = new AbortController();
    const res = await fetch(`${t.url}/api/sessions/${s.id}/versions/${sha}/archive.zip`, {
      headers: bearer(owner),
      signal: abort.signal,
    });
    expect(res.status).to.equal(200);
    const reader = res.body!.getReader();
    await reader.read();
    await waitFor(running, 5000, 'git archive to be running');
    abort.abort();
    await reader.read().catch(() => undefined);
    await waitFor(async () => !(await running()), 5000, 'git archive to be killed');
  });

  it('lets members with read access download (viewers too), and no one else', async () => {
    const s = await createSession(t.url, owner, { members: [[viewer, 'viewer']], files: { 'a.txt': 'a\n' } });
    const { sha } = (await save(s.id)).body;
    const fileId = s.files['a.txt']!.id;
    const urls = [
      `/api/sessions/${s.id}/versions/${sha}/archive.zip`,
      `/api/sessions/${s.id}/archive.zip`,
      `/api/sessions/${s.id}/bundle`,
      `/api/sessions/${s.id}/files/${fileId}/raw`,
    ];
    for (const url of urls) {
      expect((await download(t, url, bearer(viewer))).status, url).to.equal(200);
      expect((await download(t, url, basic(viewer))).status, url).to.equal(200);
      const outsider = await download(t, url, bearer(stranger));
      expect(outsider.status, url).to.equal(404);
      expect(JSON.parse(outsider.bytes.toString()).error.code).to.equal('ERR_SESSION_NOT_FOUND');
      expect((await download(t, url, basic(stranger))).status, url).to.equal(404);
      expect((await download(t, url, {})).status, url).to.equal(401);
      const wrong = await download(t, url, basic(viewer, 'wrong password'));
      expect(wrong.status, url).to.equal(401);
      expect(wrong.headers.get('www-authenticate')).to.include('Basic');
    }
  });
});
