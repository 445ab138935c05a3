/** New session from a git bundle (issue 14, item 2): its HEAD's files, as one version, by the zip's rules. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

const PASSWORD = 'correct horse';
const BUNDLE = 'application/x-git-bundle';
/** A real 1×1 PNG: binary (a NUL in its first bytes). */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f1f9a40000000049454e44ae426082',
  'hex',
);

/** A repo made with the real git from `files` (a Buffer or text; `link` makes a symlink), bundled. */
async function makeBundle(files: Record<string, string | Buffer | { link: string }>): Promise<Buffer> {
  const dir = tempDir();
  expect((await git(['init', '-q', '-b', 'main', dir])).code).to.equal(0);
  for (const [p, content] of Object.entries(files)) {
    const full = path.join(dir, p);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    if (typeof content === 'object' && !Buffer.isBuffer(content)) fs.symlinkSync(content.link, full);
    else fs.writeFileSync(full, content);
  }
  expect((await git(['add', '-A'], { cwd: dir })).code).to.equal(0);
  expect((await git(['commit', '-q', '-m', 'first'], { cwd: dir })).code).to.equal(0);
  const out = path.join(dir, '..', `${path.basename(dir)}.bundle`);
  const made = await git(['bundle', 'create', '-q', out, '--all'], { cwd: dir });
  expect(made.code, made.stderr).to.equal(0);
  return fs.readFileSync(out);
}

describe('new session from a git bundle', () => {
  let t: TestServer;
  let owner: TestUser;

  before(async () => {
    t = await startServer({ env: { COMMIT_IDLE_MS: '600000', COMMIT_MAX_MS: '600000' } });
    owner = await registerUser(t.url, undefined, PASSWORD);
  });
  after(() => t.close());

  const post = async (sessionId: string, body: Buffer, query = '') => {
    const res = await fetch(`${t.url}/api/sessions/${sessionId}/import${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.token}`, 'content-type': BUNDLE },
      body,
    });
    return { status: res.status, json: JSON.parse(await res.text()) };
  };
  const versions = async (sessionId: string) =>
    (await api(t.url, 'GET', `/api/sessions/${sessionId}/versions?limit=100`, { token: owner.token })).body;
  const scratchLeft = (sessionId: string) =>
    fs
      .readdirSync(path.join(t.reposDir, `${sessionId}.git`, 'gitpad-tmp'))
      .filter((n) => n.startsWith('gitpad-bundle-'));

  it("imports the bundle's HEAD tree, nested files and a binary, into an empty session as one version", async () => {
    const bundle = await makeBundle({
      'README.md': '# hello\n',
      'src/lib/util.py': 'def f():\n    return 1\n',
      'assets/logo.png': PNG,
      '.gitignore': 'build/\n',
    });
    const s = await createSession(t.url, owner);
    const res = await post(s.id, bundle, '?name=project.bundle');
    expect(res.status, JSON.stringify(res.json)).to.equal(201);
    expect(res.json.files.map((f: { path: string }) => f.path).sort()).to.deep.equal([
      '.gitignore',
      'README.md',
      'assets/logo.png',
      'src/lib/util.py',
    ]);
    const history = await versions(s.id);
    expect(history.length).to.equal(1);
    expect(history[0].subject).to.equal('Imported 4 files from project.bundle');
    const dir = tempDir();
    const cloned = await git(['clone', '-q', cloneUrl(t.url, s.id, owner.username, PASSWORD), dir]);
    expect(cloned.code, cloned.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(dir, 'assets/logo.png')).equals(PNG)).to.equal(true);
    expect(fs.readFileSync(path.join(dir, 'src/lib/util.py'), 'utf8')).to.equal('def f():\n    return 1\n');
    expect(scratchLeft(s.id)).to.deep.equal([]);
  });

  it('refuses a bundle into a session that has files with 409 ERR_CONFLICT', async () => {
    const bundle = await makeBundle({ 'a.txt': 'a\n' });
    const s = await createSession(t.url, owner, { files: { 'x.txt': 'x' } });
    const res = await post(s.id, bundle);
    expect(res.status).to.equal(409);
    expect(res.json.error.code).to.equal('ERR_CONFLICT');
    expect(res.json.error.message).to.match(/only start a session/);
  });

  it('refuses a corrupt bundle with 400 ERR_INVALID_BUNDLE and leaves nothing behind', async () => {
    const bundle = await makeBundle({ 'a.txt': 'a\n' });
    const s = await createSession(t.url, owner);
    const res = await post(s.id, bundle.subarray(0, bundle.length - 30));
    expect(res.status).to.equal(400);
    expect(res.json.error.code).to.equal('ERR_INVALID_BUNDLE');
    const junk = await post(s.id, Buffer.from('not a bundle at all'));
    expect(junk.json.error.code).to.equal('ERR_INVALID_BUNDLE');
    expect(await versions(s.id)).to.deep.equal([]);
    expect(scratchLeft(s.id)).to.deep.equal([]);
  });

  it('refuses a bundle holding a symlink with ERR_SYMLINK and writes nothing', async () => {
    const bundle = await makeBundle({ 'a.txt': 'a\n', 'link.txt': { link: 'a.txt' } });
    const s = await createSession(t.url, owner);
    const res = await post(s.id, bundle);
    expect(res.status).to.equal(400);
    expect(res.json.error.code).to.equal('ERR_SYMLINK');
    expect(res.json.error.details.path).to.equal('link.txt');
    expect(await versions(s.id)).to.deep.equal([]);
    const session = await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token });
    expect(session.body.files).to.deep.equal([]);
    expect(scratchLeft(s.id)).to.deep.equal([]);
  });
});
