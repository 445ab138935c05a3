import { expect } from 'chai';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

describe('sessions and files over REST', () => {
  let t: TestServer;
  let owner: TestUser;
  let other: TestUser;
  before(async () => {
    t = await startServer({ env: { MAX_FILES_PER_SESSION: '5' } });
    owner = await registerUser(t.url);
    other = await registerUser(t.url);
  });
  after(() => t.close());

  it('creates a session with a URL-safe id and lists it with the caller’s role', async () => {
    const res = await api(t.url, 'POST', '/api/sessions', {
      token: owner.token,
      body: { name: 'Café Notes ☕' },
    });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ name: 'Café Notes ☕', role: 'owner' });
    expect(res.body.id).to.match(/^[a-z0-9-]{1,64}$/);
    const list = await api(t.url, 'GET', '/api/sessions', { token: owner.token });
    expect(list.body.sessions.map((s: { id: string }) => s.id)).to.include(res.body.id);
    expect(list.body.sessions.find((s: { id: string }) => s.id === res.body.id).role).to.equal('owner');
    const theirs = await api(t.url, 'GET', '/api/sessions', { token: other.token });
    expect(theirs.body.sessions.map((s: { id: string }) => s.id)).to.not.include(res.body.id);
  });

  it('refuses bad session names', async () => {
    for (const name of ['', '   ', 'x'.repeat(101), 42, null, 'tab\there']) {
      const res = await api(t.url, 'POST', '/api/sessions', { token: owner.token, body: { name } });
      expect(res.status, JSON.stringify(name)).to.equal(400);
      expect(res.body.error.code).to.equal('ERR_VALIDATION');
    }
  });

  it('shows details to members and the same 404 to non-members as for no session', async () => {
    const s = await createSession(t.url, owner, { files: { 'src/app.ts': 'let x = 1;\n' } });
    const mine = await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token });
    expect(mine.status).to.equal(200);
    expect(mine.body.role).to.equal('owner');
    expect(mine.body.members).to.deep.equal([
      { username: owner.username, displayName: owner.username, role: 'owner' },
    ]);
    expect(mine.body.files).to.have.length(1);
    expect(mine.body.files[0]).to.include({ path: 'src/app.ts', language: 'typescript' });
    expect(mine.body.files[0].doc.collection).to.equal('files');
    const theirs = await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: other.token });
    const none = await api(t.url, 'GET', '/api/sessions/no-such-session', { token: other.token });
    const junk = await api(t.url, 'GET', '/api/sessions/..%2F..%2Fetc', { token: other.token });
    for (const res of [theirs, none, junk]) {
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('ERR_SESSION_NOT_FOUND');
    }
    expect(theirs.body).to.deep.equal(none.body);
  });

  it('lets only owners manage members, and never leaves a session without an owner', async () => {
    const s = await createSession(t.url, owner);
    const editor = await registerUser(t.url);
    const put = await api(t.url, 'PUT', `/api/sessions/${s.id}/members/${editor.username}`, {
      token: owner.token,
      body: { role: 'editor' },
    });
    expect(put.status).to.equal(200);
    expect(put.body.role).to.equal('editor');
    const byEditor = await api(t.url, 'PUT', `/api/sessions/${s.id}/members/${other.username}`, {
      token: editor.token,
      body: { role: 'viewer' },
    });
    expect(byEditor.status).to.equal(403);
    expect(byEditor.body.error.code).to.equal('ERR_FORBIDDEN');
    const badRole = await api(t.url, 'PUT', `/api/sessions/${s.id}/members/${other.username}`, {
      token: owner.token,
      body: { role: 'admin' },
    });
    expect(badRole.status).to.equal(400);
    const unknownUser = await api(t.url, 'PUT', `/api/sessions/${s.id}/members/nosuchuser`, {
      token: owner.token,
      body: { role: 'viewer' },
    });
    expect(unknownUser.status).to.equal(404);
    expect(unknownUser.body.error.code).to.equal('ERR_USER_NOT_FOUND');
    const demoteSelf = await api(t.url, 'PUT', `/api/sessions/${s.id}/members/${owner.username}`, {
      token: owner.token,
      body: { role: 'editor' },
    });
    expect(demoteSelf.status).to.equal(409);
    expect(demoteSelf.body.error.code).to.equal('ERR_LAST_OWNER');
    const removeSelf = await api(t.url, 'DELETE', `/api/sessions/${s.id}/members/${owner.username}`, {
      token: owner.token,
    });
    expect(removeSelf.status).to.equal(409);
    const remove = await api(t.url, 'DELETE', `/api/sessions/${s.id}/members/${editor.username}`, {
      token: owner.token,
    });
    expect(remove.status).to.equal(204);
    const gone = await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: editor.token });
    expect(gone.status).to.equal(404);
  });

  it('creates, reads, renames and deletes files, with languages from extensions', async () => {
    const s = await createSession(t.url, owner);
    const created = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: owner.token,
      body: { path: 'lib/util.py', content: 'print("hi")\n' },
    });
    expect(created.status).to.equal(201);
    expect(created.body).to.include({ path: 'lib/util.py', language: 'python' });
    expect(created.body.doc).to.deep.equal({ collection: 'files', id: `${s.id}.${created.body.id}` });
    const read = await api(t.url, 'GET', `/api/sessions/${s.id}/files/${created.body.id}`, {
      token: owner.token,
    });
    expect(read.body).to.include({ path: 'lib/util.py', content: 'print("hi")\n', version: 1 });
    const renamed = await api(t.url, 'PATCH', `/api/sessions/${s.id}/files/${created.body.id}`, {
      token: owner.token,
      body: { path: 'lib/util.rs' },
    });
    expect(renamed.status).to.equal(200);
    expect(renamed.body).to.include({ path: 'lib/util.rs', language: 'rust' });
    const overridden = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: owner.token,
      body: { path: 'Makefile.inc', language: 'shell' },
    });
    expect(overridden.body.language).to.equal('shell');
    const del = await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${created.body.id}`, {
      token: owner.token,
    });
    expect(del.status).to.equal(204);
    const after = await api(t.url, 'GET', `/api/sessions/${s.id}/files/${created.body.id}`, {
      token: owner.token,
    });
    expect(after.status).to.equal(404);
    expect(after.body.error.code).to.equal('ERR_FILE_NOT_FOUND');
    const languages: Record<string, string> = {
      'a.js': 'javascript',
      'a.jsx': 'jsx',
      'a.tsx': 'tsx',
      'a.html': 'html',
      'a.css': 'css',
      'a.json': 'json',
      'a.md': 'markdown',
      'A.java': 'java',
      'a.c': 'c',
      'a.h': 'c',
      'a.cpp': 'cpp',
      'a.go': 'go',
      'a.sql': 'sql',
      'a.sh': 'shell',
      'a.yaml': 'yaml',
      'a.yml': 'yaml',
    };
    const s2 = await createSession(t.url, owner);
    const seen: Record<string, string> = {};
    // Five files per session in this server: spread over sessions.
    let target = s2.id;
    let n = 0;
    for (const p of Object.keys(languages)) {
      if (n++ % 5 === 4) target = (await createSession(t.url, owner)).id;
      const r = await api(t.url, 'POST', `/api/sessions/${target}/files`, {
        token: owner.token,
        body: { path: p },
      });
      seen[p] = r.body.language;
    }
    expect(seen).to.deep.equal(languages);
  });

  it('refuses invalid paths with 400 ERR_INVALID_PATH and taken ones with 409 ERR_PATH_EXISTS', async () => {
    const s = await createSession(t.url, owner, { files: { 'src/main.go': '' } });
    const bad = [
      '',
      '/abs.txt',
      'a//b',
      './a',
      'a/../b',
      '..',
      'a/.git/config',
      '.GIT/x',
      'trailing/',
      'ctl\u0001.txt',
      'nl\n.txt',
      'back\\slash',
      'x'.repeat(256),
      42,
      null,
      ['a'],
    ];
    for (const path of bad) {
      const res = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
        token: owner.token,
        body: { path },
      });
      expect(res.status, JSON.stringify(path)).to.equal(400);
      expect(res.body.error.code, JSON.stringify(path)).to.equal('ERR_INVALID_PATH');
    }
    for (const path of ['src/main.go', 'src', 'src/main.go/inner.txt']) {
      const res = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
        token: owner.token,
        body: { path },
      });
      expect(res.status, path).to.equal(409);
      expect(res.body.error.code).to.equal('ERR_PATH_EXISTS');
    }
    const files = await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token });
    expect(files.body.files.map((f: { path: string }) => f.path)).to.deep.equal(['src/main.go']);
  });

  it('refuses git~1, a/.git., trailing dots and 400-byte names with the shared rule, and writes nothing', async () => {
    const s = await createSession(t.url, owner, { files: { 'src/ok.txt': '' } });
    const fileId = s.files['src/ok.txt']!.id;
    const cases: Array<[string, RegExp]> = [
      ['src/git~1', /reserved by git/],
      ['a/.git.', /reserved by git/],
      ['.GIT ', /reserved by git/],
      ['notes.', /cannot end with "\."/],
      ['src/trailing ', /white space/],
      [`src/${'é'.repeat(200)}`, /400 bytes in UTF-8, at most 255/],
    ];
    for (const [path, why] of cases) {
      const created = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
        token: owner.token,
        body: { path, content: 'x' },
      });
      expect(created.status, path).to.equal(400);
      expect(created.body.error.code, path).to.equal('ERR_INVALID_PATH');
      expect(created.body.error.message, path).to.match(why);
      const renamed = await api(t.url, 'PATCH', `/api/sessions/${s.id}/files/${fileId}`, {
        token: owner.token,
        body: { path },
      });
      expect(renamed.status, path).to.equal(400);
      expect(renamed.body.error.code, path).to.equal('ERR_INVALID_PATH');
    }
    // 127 × é is 254 bytes: fine.
    const fits = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: owner.token,
      body: { path: `src/${'é'.repeat(127)}` },
    });
    expect(fits.status).to.equal(201);
    const files = await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token });
    expect(files.body.files.map((f: { path: string }) => f.path).sort()).to.deep.equal([
      'src/ok.txt',
      `src/${'é'.repeat(127)}`,
    ]);
  });

  it('refuses a path that differs from another only in case with 409 ERR_PATH_EXISTS, folders too', async () => {
    const s = await createSession(t.url, owner, { files: { 'src/a.js': '', 'lib/x.js': '' } });
    for (const [path, message] of [
      [
        'src/A.js',
        '"src/A.js" differs from "src/a.js" only in case; macOS and Windows clones would hold one file.',
      ],
      ['Src/y.js', '"Src" differs from "src" only in case; macOS and Windows clones would hold one file.'],
      ['LIB', '"LIB" differs from "lib" only in case; macOS and Windows clones would hold one file.'],
    ] as const) {
      const created = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
        token: owner.token,
        body: { path },
      });
      expect(created.status, path).to.equal(409);
      expect(created.body.error).to.deep.equal({ code: 'ERR_PATH_EXISTS', message });
    }
    const renamed = await api(t.url, 'PATCH', `/api/sessions/${s.id}/files/${s.files['lib/x.js']!.id}`, {
      token: owner.token,
      body: { path: 'src/A.js' },
    });
    expect(renamed.status).to.equal(409);
    expect(renamed.body.error.code).to.equal('ERR_PATH_EXISTS');
    // Changing only the case of a file's own name is a rename, not a clash.
    const recased = await api(t.url, 'PATCH', `/api/sessions/${s.id}/files/${s.files['src/a.js']!.id}`, {
      token: owner.token,
      body: { path: 'src/A.js' },
    });
    expect(recased.status).to.equal(200);
    const files = await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token });
    expect(files.body.files.map((f: { path: string }) => f.path).sort()).to.deep.equal([
      'lib/x.js',
      'src/A.js',
    ]);
  });

  it('two parallel creates of one path: exactly one wins', async () => {
    const s = await createSession(t.url, owner);
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        api(t.url, 'POST', `/api/sessions/${s.id}/files`, { token: owner.token, body: { path: 'same.txt' } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).to.deep.equal([201, 409, 409]);
  });

  it('caps files per session with ERR_TOO_MANY_FILES', async () => {
    const s = await createSession(t.url, owner);
    for (let i = 0; i < 5; i++) {
      const r = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
        token: owner.token,
        body: { path: `f${i}.txt` },
      });
      expect(r.status).to.equal(201);
    }
    const over = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: owner.token,
      body: { path: 'f5.txt' },
    });
    expect(over.status).to.equal(413);
    expect(over.body.error.code).to.equal('ERR_TOO_MANY_FILES');
  });

  it('answers bad bodies with codes and changes nothing', async () => {
    const s = await createSession(t.url, owner);
    const badJson = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: owner.token,
      raw: '{"path": "a.txt",',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.status).to.equal(400);
    expect(badJson.body.error.code).to.equal('ERR_INVALID_JSON');
    const wrongType = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: owner.token,
      raw: 'path=a.txt',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(wrongType.status).to.equal(415);
    expect(wrongType.body.error.code).to.equal('ERR_UNSUPPORTED_MEDIA_TYPE');
    const wrongContent = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: owner.token,
      body: { path: 'a.txt', content: { evil: true } },
    });
    expect(wrongContent.status).to.equal(400);
    const brokenUnicode = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: owner.token,
      raw: '{"path":"a.txt","content":"x\\ud83dy"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(brokenUnicode.status).to.equal(400);
    const unknownRoute = await api(t.url, 'GET', '/api/nope', { token: owner.token });
    expect(unknownRoute.status).to.equal(404);
    expect(unknownRoute.body.error.code).to.equal('ERR_NOT_FOUND');
    const files = await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token });
    expect(files.body.files).to.deep.equal([]);
  });

  it('refuses a body over the size limit with 413 ERR_TOO_LARGE', async () => {
    const small = await startServer({ env: { MAX_BODY_BYTES: '2048' } });
    try {
      const u = await registerUser(small.url);
      const s = await createSession(small.url, u);
      const res = await api(small.url, 'POST', `/api/sessions/${s.id}/files`, {
        token: u.token,
        body: { path: 'big.txt', content: 'x'.repeat(10_000) },
      });
      expect(res.status).to.equal(413);
      expect(res.body.error.code).to.equal('ERR_TOO_LARGE');
      expect((await api(small.url, 'GET', '/api/health')).status).to.equal(200);
    } finally {
      await small.close();
    }
  });

  it('viewers and commenters cannot change files; editors can', async () => {
    const viewer = await registerUser(t.url);
    const commenter = await registerUser(t.url);
    const editor = await registerUser(t.url);
    const s = await createSession(t.url, owner, {
      members: [
        [viewer, 'viewer'],
        [commenter, 'commenter'],
        [editor, 'editor'],
      ],
      files: { 'a.txt': 'hello' },
    });
    const fileId = s.files['a.txt']!.id;
    for (const u of [viewer, commenter]) {
      const c = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
        token: u.token,
        body: { path: 'b.txt' },
      });
      const r = await api(t.url, 'PATCH', `/api/sessions/${s.id}/files/${fileId}`, {
        token: u.token,
        body: { path: 'c.txt' },
      });
      const d = await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${fileId}`, { token: u.token });
      for (const res of [c, r, d]) {
        expect(res.status).to.equal(403);
        expect(res.body.error.code).to.equal('ERR_FORBIDDEN');
      }
      const read = await api(t.url, 'GET', `/api/sessions/${s.id}/files/${fileId}`, { token: u.token });
      expect(read.body.content).to.equal('hello');
    }
    const ok = await api(t.url, 'POST', `/api/sessions/${s.id}/files`, {
      token: editor.token,
      body: { path: 'b.txt' },
    });
    expect(ok.status).to.equal(201);
  });
});
