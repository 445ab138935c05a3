import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { expect } from 'chai';
import { cloneUrl, git, tempDir } from '../helpers/git-cli.js';
import { fsckStrict } from '../helpers/git-history.js';
import { connectClient, type RealtimeClient, subscribe, waitFor } from '../helpers/realtime-client.js';
import {
  api,
  createSession,
  registerUser,
  startServer,
  type TestServer,
  type TestUser,
} from '../helpers/server.js';

const PASSWORD = 'correct horse';

/** A real 1×1 PNG (with a NUL in its first bytes, as every PNG has). */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f1f9a40000000049454e44ae426082',
  'hex',
);
/** No NUL, but not UTF-8 (Latin-1 text with a stray byte): binary by the second rule. */
const LATIN1 = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0xff, 0xfe, 0x41, 0x0a]);

const bearer = (u: TestUser) => ({ authorization: `Bearer ${u.token}` });

async function raw(
  t: TestServer,
  method: string,
  urlPath: string,
  u: TestUser,
  body?: Buffer,
  type?: string,
) {
  const res = await fetch(t.url + urlPath, {
    method,
    headers: { ...bearer(u), ...(type ? { 'content-type': type } : {}) },
    ...(body ? { body } : {}),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const json = (res.headers.get('content-type') ?? '').includes('json')
    ? JSON.parse(bytes.toString())
    : undefined;
  return { status: res.status, headers: res.headers, bytes, json };
}

/** Runs python3 to build a zip from a JSON spec: entries {name, hex?, text?, link?, mode?, zeros?}. */
async function pyZip(entries: Array<Record<string, unknown>>): Promise<Buffer> {
  const file = path.join(tempDir('gitpad-zipin-'), 'in.zip');
  const script = `
import json, sys, zipfile
spec = json.loads(sys.argv[2])
with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:
    for e in spec:
        info = zipfile.ZipInfo(e['name'])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        if 'link' in e:
            info.external_attr = (0o120777 << 16)
            z.writestr(info, e['link'])
            continue
        info.external_attr = (e.get('mode', 0o100644) << 16)
        if 'zeros' in e: data = b'\\0' * e['zeros']
        elif 'hex' in e: data = bytes.fromhex(e['hex'])
        else: data = e.get('text', '').encode()
        z.writestr(info, data)
`;
  return new Promise<Buffer>((resolve, reject) =>
    execFile('python3', ['-c', script, file, JSON.stringify(entries)], (err, _o, stderr) =>
      err ? reject(new Error(stderr)) : resolve(fs.readFileSync(file)),
    ),
  );
}

/** A zip whose one entry claims a small size but inflates to `actual` bytes (the header lies). */
function lyingZip(name: string, actual: number, claimed: number): Buffer {
  const data = deflateRawSync(Buffer.alloc(actual));
  const nameBytes = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(0, 14); // crc (wrong too: the size check must come first)
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(claimed, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(0x031e, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(claimed, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  const localPart = Buffer.concat([local, nameBytes, data]);
  const centralPart = Buffer.concat([central, nameBytes]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralPart.length, 12);
  end.writeUInt32LE(localPart.length, 16);
  return Buffer.concat([localPart, centralPart, end]);
}

describe('binary files and imports', () => {
  let t: TestServer;
  let owner: TestUser;
  let viewer: TestUser;
  const clients: RealtimeClient[] = [];

  before(async () => {
    // Versions only when a test asks, so each version counted is one the test made.
    t = await startServer({
      env: {
        COMMIT_IDLE_MS: '600000',
        COMMIT_MAX_MS: '600000',
        MAX_IMPORT_BYTES: String(4 * 1024 * 1024),
        MAX_BINARY_BYTES: String(1024 * 1024),
      },
    });
    owner = await registerUser(t.url, undefined, PASSWORD);
    viewer = await registerUser(t.url, undefined, PASSWORD);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(() => t.close());

  const repoDir = (sessionId: string) => path.join(t.reposDir, `${sessionId}.git`);
  const versionCount = async (sessionId: string) =>
    (await api(t.url, 'GET', `/api/sessions/${sessionId}/versions?limit=100`, { token: owner.token })).body
      .length;
  const save = (sessionId: string, message: string) =>
    api(t.url, 'POST', `/api/sessions/${sessionId}/versions`, { token: owner.token, body: { message } });

  it('a PNG and a non-UTF-8 file round-trip byte for byte through upload, commit, clone, delete, restore, revert and every download', async () => {
    const s = await createSession(t.url, owner, {
      members: [[viewer, 'viewer']],
      files: { 'a.txt': 'one\n' },
    });
    const png = await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/files?path=img/logo.png`,
      owner,
      PNG,
      'application/octet-stream',
    );
    expect(png.status).to.equal(201);
    expect(png.json.language).to.equal('binary');
    expect(png.json.blob).to.deep.include({ size: PNG.length });
    const latin = await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/files?path=data/latin1.txt`,
      owner,
      LATIN1,
      'application/octet-stream',
    );
    expect(latin.status).to.equal(201);
    expect(latin.json.blob.size).to.equal(LATIN1.length);
    // Plain UTF-8 bytes sent raw are a text file.
    const text = await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/files?path=notes.md`,
      owner,
      Buffer.from('# hé\n'),
      'application/octet-stream',
    );
    expect(text.json.language).to.equal('markdown');
    expect(text.json.blob).to.equal(undefined);

    // The manifest lists the blob; no text document exists for it.
    const client = await connectClient(t.url, owner.token);
    clients.push(client);
    const manifest = client.connection.get('sessions', s.id);
    await subscribe(manifest);
    const entry = (manifest.data as { files: Record<string, { path: string; blob?: { oid: string } }> })
      .files[png.json.id]!;
    expect(entry.path).to.equal('img/logo.png');
    expect(entry.blob!.oid).to.match(/^[0-9a-f]{40}$/);

    const first = await save(s.id, 'With images');
    expect(first.status).to.equal(201);
    await fsckStrict(repoDir(s.id));

    const dir = tempDir();
    const cloned = await git(['clone', '-q', cloneUrl(t.url, s.id, owner.username, PASSWORD), dir]);
    expect(cloned.code, cloned.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(dir, 'img/logo.png')).equals(PNG)).to.equal(true);
    expect(fs.readFileSync(path.join(dir, 'data/latin1.txt')).equals(LATIN1)).to.equal(true);

    // Raw download of the live file, and an image preview with safe headers.
    const down = await raw(t, 'GET', `/api/sessions/${s.id}/files/${png.json.id}/raw`, viewer);
    expect(down.status).to.equal(200);
    expect(down.bytes.equals(PNG)).to.equal(true);
    expect(down.headers.get('content-type')).to.equal('application/octet-stream');
    expect(down.headers.get('content-disposition')).to.match(/^attachment/);
    const preview = await raw(t, 'GET', `/api/sessions/${s.id}/files/${png.json.id}/raw?inline=1`, viewer);
    expect(preview.headers.get('content-type')).to.equal('image/png');
    expect(preview.headers.get('x-content-type-options')).to.equal('nosniff');
    expect(preview.headers.get('content-security-policy')).to.match(/^sandbox/);
    expect(preview.bytes.equals(PNG)).to.equal(true);
    const latinDown = await raw(
      t,
      'GET',
      `/api/sessions/${s.id}/files/${latin.json.id}/raw?inline=1`,
      viewer,
    );
    expect(latinDown.headers.get('content-type')).to.equal('application/octet-stream');
    expect(latinDown.bytes.equals(LATIN1)).to.equal(true);

    // Version zip (git archive) and live zip.
    const vzip = await raw(t, 'GET', `/api/sessions/${s.id}/versions/${first.body.sha}/archive.zip`, viewer);
    const lzip = await raw(t, 'GET', `/api/sessions/${s.id}/archive.zip`, viewer);
    for (const zip of [vzip, lzip]) {
      const out = tempDir('gitpad-unzip-');
      fs.writeFileSync(path.join(out, 'z.zip'), zip.bytes);
      await new Promise<void>((resolve, reject) =>
        execFile(
          'python3',
          [
            '-c',
            'import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])',
            path.join(out, 'z.zip'),
            out,
          ],
          (e) => (e ? reject(e) : resolve()),
        ),
      );
      expect(fs.readFileSync(path.join(out, 'img/logo.png')).equals(PNG)).to.equal(true);
      expect(fs.readFileSync(path.join(out, 'data/latin1.txt')).equals(LATIN1)).to.equal(true);
    }
    // A version's file, by path.
    const atVersion = await raw(
      t,
      'GET',
      `/api/sessions/${s.id}/versions/${first.body.sha}/files/img/logo.png`,
      viewer,
    );
    expect(atVersion.bytes.equals(PNG)).to.equal(true);

    // Delete, then restore from history: the same blob comes back.
    const del = await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${png.json.id}`, {
      token: owner.token,
    });
    expect(del.status).to.equal(204);
    const restored = await api(t.url, 'POST', `/api/sessions/${s.id}/files/restore`, {
      token: owner.token,
      body: { path: 'img/logo.png' },
    });
    expect(restored.status).to.equal(201);
    expect(restored.body.blob.oid).to.equal(entry.blob!.oid);

    // Replace the PNG's bytes, then revert to the first version: byte-identical again.
    const del2 = await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${restored.body.id}`, {
      token: owner.token,
    });
    expect(del2.status).to.equal(204);
    await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/files?path=img/logo.png`,
      owner,
      Buffer.from([0, 1, 2, 3]),
      'application/octet-stream',
    );
    await save(s.id, 'Other bytes');
    const reverted = await api(t.url, 'POST', `/api/sessions/${s.id}/revert`, {
      token: owner.token,
      body: { sha: first.body.sha },
    });
    expect(reverted.status).to.equal(201);
    await git(['pull', '-q', 'origin', 'main'], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, 'img/logo.png')).equals(PNG)).to.equal(true);
    const files = (await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token })).body
      .files as Array<{
      id: string;
      path: string;
    }>;
    const back = files.find((f) => f.path === 'img/logo.png')!;
    const again = await raw(t, 'GET', `/api/sessions/${s.id}/files/${back.id}/raw`, viewer);
    expect(again.bytes.equals(PNG)).to.equal(true);
    await fsckStrict(repoDir(s.id));
  });

  it('refuses a raw upload past MAX_BINARY_BYTES, a bad path, and a viewer', async () => {
    const s = await createSession(t.url, owner, { members: [[viewer, 'viewer']] });
    const big = Buffer.alloc(1024 * 1024 + 1);
    const tooBig = await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/files?path=big.bin`,
      owner,
      big,
      'application/octet-stream',
    );
    expect(tooBig.status).to.equal(413);
    expect(tooBig.json.error.code).to.equal('ERR_TOO_LARGE');
    const bad = await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/files?path=../x.bin`,
      owner,
      PNG,
      'application/octet-stream',
    );
    expect(bad.json.error.code).to.equal('ERR_INVALID_PATH');
    const asViewer = await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/files?path=x.png`,
      viewer,
      PNG,
      'application/octet-stream',
    );
    expect(asViewer.status).to.equal(403);
  });

  it('imports a zip as one version: nested folders, a binary, an executable, .gitignore and node_modules left out', async () => {
    const s = await createSession(t.url, owner, { members: [[viewer, 'viewer']] });
    const viewerClient = await connectClient(t.url, viewer.token);
    clients.push(viewerClient);
    const seen = viewerClient.connection.get('sessions', s.id);
    await subscribe(seen);
    const zip = await pyZip([
      { name: 'src/main.py', text: 'print("hi")\n' },
      { name: 'src/lib/util.py', text: 'x = 1\n' },
      { name: 'assets/logo.png', hex: PNG.toString('hex') },
      { name: 'run.sh', text: '#!/bin/sh\necho hi\n', mode: 0o100755 },
      { name: '.gitignore', text: '# build output\nbuild/\n*.log\n!keep.log\n/secret.txt\n' },
      { name: 'build/out.js', text: 'x' },
      { name: 'debug.log', text: 'x' },
      { name: 'keep.log', text: 'kept\n' },
      { name: 'secret.txt', text: 'x' },
      { name: 'docs/secret.txt', text: 'not anchored away\n' },
      { name: 'node_modules/pkg/index.js', text: 'x' },
      { name: 'node_modules/.bin/pkg', link: '../pkg/index.js' },
    ]);
    const before = await versionCount(s.id);
    const res = await raw(t, 'POST', `/api/sessions/${s.id}/import`, owner, zip, 'application/zip');
    expect(res.status, JSON.stringify(res.json)).to.equal(201);
    expect(res.json.sha).to.match(/^[0-9a-f]{40}$/);
    expect(res.json.files.map((f: { path: string }) => f.path).sort()).to.deep.equal([
      '.gitignore',
      'assets/logo.png',
      'docs/secret.txt',
      'keep.log',
      'run.sh',
      'src/lib/util.py',
      'src/main.py',
    ]);
    expect(res.json.ignored).to.deep.equal(['build/', 'debug.log', 'node_modules/', 'secret.txt']);
    expect(await versionCount(s.id)).to.equal(before + 1);
    const history = await api(t.url, 'GET', `/api/sessions/${s.id}/versions?limit=1`, { token: owner.token });
    expect(history.body[0].subject).to.equal('Imported 7 files');
    // The viewer's tree filled in live.
    await waitFor(() => Object.keys((seen.data as { files: object }).files).length === 7);
    const dir = tempDir();
    expect((await git(['clone', '-q', cloneUrl(t.url, s.id, owner.username, PASSWORD), dir])).code).to.equal(
      0,
    );
    expect(fs.readFileSync(path.join(dir, 'assets/logo.png')).equals(PNG)).to.equal(true);
    expect(fs.statSync(path.join(dir, 'run.sh')).mode & 0o111).to.not.equal(0);
    expect((await git(['ls-files', '-s', 'run.sh'], { cwd: dir })).stdout).to.match(/^100755 /);
    await fsckStrict(repoDir(s.id));
  });

  it('lists clashes with 409 and writes nothing, then skips, replaces or keeps both', async () => {
    const s = await createSession(t.url, owner, { files: { 'a.txt': 'old\n', 'b.txt': 'b\n' } });
    await save(s.id, 'start');
    const zip = await pyZip([
      { name: 'a.txt', text: 'new\n' },
      { name: 'c.txt', text: 'c\n' },
    ]);
    const filesOf = async () =>
      (
        (await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token })).body.files as Array<{
          id: string;
          path: string;
        }>
      )
        .map((f) => f.path)
        .sort();
    const before = await versionCount(s.id);
    const clash = await raw(t, 'POST', `/api/sessions/${s.id}/import`, owner, zip, 'application/zip');
    expect(clash.status).to.equal(409);
    expect(clash.json.error.code).to.equal('ERR_PATH_EXISTS');
    expect(clash.json.error.details.paths).to.deep.equal(['a.txt']);
    expect(await filesOf()).to.deep.equal(['a.txt', 'b.txt']);
    expect(await versionCount(s.id)).to.equal(before);

    const skip = await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/import?onConflict=skip`,
      owner,
      zip,
      'application/zip',
    );
    expect(skip.status).to.equal(201);
    expect(skip.json.skipped).to.deep.equal(['a.txt']);
    expect(await filesOf()).to.deep.equal(['a.txt', 'b.txt', 'c.txt']);

    const zip2 = await pyZip([{ name: 'a.txt', text: 'new\n' }]);
    const both = await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/import?onConflict=keep-both`,
      owner,
      zip2,
      'application/zip',
    );
    expect(both.status).to.equal(201);
    expect(both.json.renamed).to.deep.equal([{ from: 'a.txt', to: 'a (1).txt' }]);
    expect(await filesOf()).to.deep.equal(['a (1).txt', 'a.txt', 'b.txt', 'c.txt']);

    const replace = await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/import?onConflict=replace`,
      owner,
      zip2,
      'application/zip',
    );
    expect(replace.status).to.equal(201);
    const a = replace.json.files.find((f: { path: string }) => f.path === 'a.txt');
    const text = await api(t.url, 'GET', `/api/sessions/${s.id}/files/${a.id}`, { token: owner.token });
    expect(text.body.content).to.equal('new\n');
    await fsckStrict(repoDir(s.id));
  });

  it('refuses ../ and absolute entries, symlinks, oversize entries and zip bombs, writing nothing', async () => {
    const s = await createSession(t.url, owner, { files: { 'keep.txt': 'k\n' } });
    await save(s.id, 'start');
    const before = await versionCount(s.id);
    const cases: Array<[Buffer, string]> = [
      [
        await pyZip([
          { name: 'ok.txt', text: 'x' },
          { name: '../evil.txt', text: 'x' },
        ]),
        'ERR_INVALID_PATH',
      ],
      [await pyZip([{ name: '/etc/evil.txt', text: 'x' }]), 'ERR_INVALID_PATH'],
      [
        await pyZip([
          { name: 'ok.txt', text: 'x' },
          { name: 'link', link: '/etc/passwd' },
        ]),
        'ERR_SYMLINK',
      ],
      [await pyZip([{ name: 'big.bin', zeros: 1024 * 1024 + 10 }]), 'ERR_TOO_LARGE'],
      // 5 highly compressible entries of 1 MiB each (under the per-file cap) pass 4 MiB in all.
      [await pyZip([1, 2, 3, 4, 5].map((i) => ({ name: `z${i}.bin`, zeros: 1000 * 1000 }))), 'ERR_ZIP_BOMB'],
      // The header claims 100 bytes; the data inflates to 2 MiB: stopped by counting, not by trusting.
      [lyingZip('liar.bin', 2 * 1024 * 1024, 100), 'ERR_ZIP_BOMB'],
      [Buffer.from('not a zip at all'), 'ERR_INVALID_ZIP'],
    ];
    for (const [zip, code] of cases) {
      const res = await raw(t, 'POST', `/api/sessions/${s.id}/import`, owner, zip, 'application/zip');
      expect(res.json?.error?.code, `${code}: ${JSON.stringify(res.json)}`).to.equal(code);
    }
    // A viewer may not import at all.
    await api(t.url, 'PUT', `/api/sessions/${s.id}/members/${viewer.username}`, {
      token: owner.token,
      body: { role: 'viewer' },
    });
    const asViewer = await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/import`,
      viewer,
      await pyZip([{ name: 'v.txt', text: 'x' }]),
      'application/zip',
    );
    expect(asViewer.status).to.equal(403);
    const files = (await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token })).body.files;
    expect(files.map((f: { path: string }) => f.path)).to.deep.equal(['keep.txt']);
    // `into` puts an import under a folder.
    const into = await raw(
      t,
      'POST',
      `/api/sessions/${s.id}/import?into=vendor/lib`,
      owner,
      await pyZip([{ name: 'a/b.txt', text: 'x' }]),
      'application/zip',
    );
    expect(into.json.files.map((f: { path: string }) => f.path)).to.deep.equal(['vendor/lib/a/b.txt']);
    expect(await versionCount(s.id)).to.equal(before + 1);
    await fsckStrict(repoDir(s.id));
  });

  it('a revert turns a file back from binary to text and back, and restores its executable bit', async () => {
    const s = await createSession(t.url, owner, { files: { 'x.dat': 'plain text\n' } });
    const v1 = (await save(s.id, 'text')).body.sha as string;
    const listed = async () =>
      (await api(t.url, 'GET', `/api/sessions/${s.id}`, { token: owner.token })).body.files as Array<{
        id: string;
        path: string;
        blob?: { oid: string };
        mode?: string;
      }>;
    const x = (await listed()).find((f) => f.path === 'x.dat')!;
    await api(t.url, 'DELETE', `/api/sessions/${s.id}/files/${x.id}`, { token: owner.token });
    await raw(t, 'POST', `/api/sessions/${s.id}/files?path=x.dat`, owner, PNG, 'application/octet-stream');
    const exec = await pyZip([{ name: 'run.sh', text: '#!/bin/sh\n', mode: 0o100755 }]);
    expect(
      (await raw(t, 'POST', `/api/sessions/${s.id}/import`, owner, exec, 'application/zip')).status,
    ).to.equal(201);
    const v2 = (await save(s.id, 'binary')).body.sha as string;
    expect((await listed()).find((f) => f.path === 'run.sh')!.mode).to.equal('100755');
    const plain = await pyZip([{ name: 'run.sh', text: '#!/bin/sh\n', mode: 0o100644 }]);
    expect(
      (
        await raw(
          t,
          'POST',
          `/api/sessions/${s.id}/import?onConflict=replace`,
          owner,
          plain,
          'application/zip',
        )
      ).status,
    ).to.equal(201);
    expect((await listed()).find((f) => f.path === 'run.sh')!.mode).to.equal(undefined);

    expect(
      (await api(t.url, 'POST', `/api/sessions/${s.id}/revert`, { token: owner.token, body: { sha: v1 } }))
        .status,
    ).to.equal(201);
    const back = (await listed()).find((f) => f.path === 'x.dat')!;
    expect(back.blob).to.equal(undefined);
    expect(
      (await api(t.url, 'GET', `/api/sessions/${s.id}/files/${back.id}`, { token: owner.token })).body
        .content,
    ).to.equal('plain text\n');

    expect(
      (await api(t.url, 'POST', `/api/sessions/${s.id}/revert`, { token: owner.token, body: { sha: v2 } }))
        .status,
    ).to.equal(201);
    const files = await listed();
    expect(files.find((f) => f.path === 'x.dat')!.blob).to.not.equal(undefined);
    expect(files.find((f) => f.path === 'run.sh')!.mode).to.equal('100755');
    const dir = tempDir();
    expect((await git(['clone', '-q', cloneUrl(t.url, s.id, owner.username, PASSWORD), dir])).code).to.equal(
      0,
    );
    expect(fs.readFileSync(path.join(dir, 'x.dat')).equals(PNG)).to.equal(true);
    expect((await git(['ls-files', '-s', 'run.sh'], { cwd: dir })).stdout).to.match(/^100755 /);
    await fsckStrict(repoDir(s.id));
  });
});
