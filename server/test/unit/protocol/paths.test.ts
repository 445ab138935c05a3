import { expect } from 'chai';
import {
  caseFoldKey,
  checkPath,
  checkTreePath,
  entryNameProblem,
  folderClash,
  isRelativePath,
  MAX_NAME_BYTES,
  pathClash,
  resolvePath,
  utf8Length,
} from '../../../src/protocol/paths.js';
import { prng } from '../../helpers/random-edits.js';

/** The reason `checkPath` gives, or null when it accepts. */
const refusal = (p: unknown) => {
  const r = checkPath(p);
  return r.ok ? null : r.reason;
};
const treeRefusal = (p: string) => {
  const r = checkTreePath(p);
  return r.ok ? null : r.reason;
};

describe('protocol/paths: the one path rule', () => {
  it('refuses every spelling of .git, at create and at commit', () => {
    for (const p of [
      '.git',
      '.GIT',
      '.git.',
      'a/.git.',
      '.GIT ',
      '.git. . ',
      '.git::$INDEX_ALLOCATION',
      'git~1',
      'src/git~1',
      'GIT~1/config',
      '.g\u200cit',
      '\ufeff.git',
    ]) {
      expect(refusal(p), p).to.match(/reserved by git/);
      expect(treeRefusal(p), p).to.match(/reserved by git/);
    }
    for (const p of ['.gitignore', '.github/ci.yml', 'git~2', '.gitx', 'git~10'])
      expect(refusal(p), p).to.equal(null);
  });

  it('refuses .gitmodules only where a path is made; a commit still writes one', () => {
    for (const p of ['.gitmodules', 'sub/.GitModules', 'gitmod~1', 'gi7eba~1', '.gitmodules::$DATA']) {
      expect(refusal(p), p).to.match(/cannot hold submodules/);
      expect(treeRefusal(p), p).to.equal(null);
    }
  });

  it('refuses names that end in a dot or start or end with white space, at create only', () => {
    for (const p of ['a.', 'src/a.', 'dir./x', '...', 'a ', ' a', 'src/ x.js', 'a\u3000', 'x\u00a0']) {
      expect(refusal(p), JSON.stringify(p)).to.match(/end with "\."|white space/);
      // Sessions made before this rule may hold them: their commits go on.
      expect(treeRefusal(p), JSON.stringify(p)).to.equal(null);
    }
    for (const p of ['.env', 'a.b', 'a b', '.x/y']) expect(refusal(p), p).to.equal(null);
  });

  it('refuses the malformed and the dangerous with a reason', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['', /empty/],
      [42, /text/],
      [null, /text/],
      ['/abs', /relative/],
      ['dir/', /folder/],
      ['a//b', /"\/\/"/],
      ['a/./b', /not a valid name/],
      ['a/../b', /not a valid name/],
      ['back\\slash', /cannot contain "\\"/],
      ['nul\u0000', /control/],
      ['c1\u0085', /control/],
      ['ls\u2028', /line-separator/],
      ['lone\ud800', /valid Unicode/],
      ['lone\udc00x', /valid Unicode/],
    ];
    for (const [p, why] of cases) expect(refusal(p), JSON.stringify(p)).to.match(why);
    // C1 and separators are only refused for new names: a tree may hold them.
    expect(treeRefusal('c1\u0085')).to.equal(null);
    expect(treeRefusal('ls\u2028')).to.equal(null);
  });

  it('counts names in UTF-8 bytes: 127 × é fits, 200 × é (400 bytes) is refused, at create and commit', () => {
    expect(utf8Length('é'.repeat(200))).to.equal(400);
    expect(refusal('é'.repeat(127))).to.equal(null);
    expect(refusal(`src/${'é'.repeat(127)}`)).to.equal(null);
    expect(refusal('é'.repeat(128))).to.match(/256 bytes in UTF-8, at most 255/);
    expect(refusal('é'.repeat(200))).to.match(/400 bytes in UTF-8, at most 255/);
    expect(treeRefusal('é'.repeat(200))).to.match(/400 bytes/);
    expect(refusal('x'.repeat(MAX_NAME_BYTES))).to.equal(null);
    expect(refusal('x'.repeat(MAX_NAME_BYTES + 1))).to.match(/256 bytes/);
    // A decomposed é is two code points before NFC and one (2 bytes) after.
    const r = checkPath('e\u0301'.repeat(127));
    expect(r.ok && r.path).to.equal('é'.repeat(127));
  });

  it('counts astral characters as 4 bytes: 63 emoji fit in a name, 64 do not', () => {
    expect(utf8Length('😀')).to.equal(4);
    expect(utf8Length('a😀é€')).to.equal(1 + 4 + 2 + 3);
    expect(utf8Length('😀'.repeat(63))).to.equal(new TextEncoder().encode('😀'.repeat(63)).length);
    expect(refusal('😀'.repeat(63))).to.equal(null);
    expect(refusal('😀'.repeat(64))).to.match(/256 bytes/);
  });

  it('caps a whole path at 4096 bytes', () => {
    const seg = 'x'.repeat(200);
    const ok = Array.from({ length: 20 }, () => seg).join('/'); // 4019 bytes
    expect(refusal(ok)).to.equal(null);
    expect(refusal(`${ok}/${'y'.repeat(100)}`)).to.match(/path is too long: 4120 bytes/);
    expect(treeRefusal(`${ok}/${'y'.repeat(100)}`)).to.match(/4120 bytes/);
  });

  it('names case-only clashes, for files and for folders on the way, and nothing else', () => {
    expect(caseFoldKey('Src/A.js')).to.equal(caseFoldKey('src/a.js'));
    expect(pathClash('src/A.js', 'src/a.js')).to.equal(
      '"src/A.js" differs from "src/a.js" only in case; macOS and Windows clones would hold one file.',
    );
    expect(pathClash('Src/x', 'src/y')).to.match(/^"Src" differs from "src" only in case/);
    expect(pathClash('A', 'a/b')).to.match(/^"A" differs from "a" only in case/);
    expect(pathClash('ÉTÉ.md', 'été.md')).to.match(/only in case/);
    expect(pathClash('src/a.js', 'src/a.js')).to.match(/already exists/);
    expect(pathClash('src', 'src/a.js')).to.match(/file and a folder/);
    expect(pathClash('src/b.js', 'src/a.js')).to.equal(null);
    expect(pathClash('lib/a.js', 'src/a.js')).to.equal(null);
    expect(pathClash('src2/x', 'src/x')).to.equal(null);
  });

  it('every path the create rule accepts, the commit rule accepts (random, fixed seed)', () => {
    const rand = prng(20261207);
    // Characters that sit on the edge of some rule, and plain ones so that some paths pass.
    const alphabet = [
      ...'aAzZ09.-_ ~/\\:',
      '.git',
      '.gitmodules',
      'git~1',
      'gi7eba~',
      'é',
      'e\u0301',
      'É',
      '😀',
      '\ud83d',
      '\ude00',
      '\u0000',
      '\u001f',
      '\u007f',
      '\u0085',
      '\u00a0',
      '\u2028',
      '\u200c',
      '\ufeff',
      '\u3000',
      'ß',
      'İ',
      'x'.repeat(60),
      'é'.repeat(60),
      'é'.repeat(100),
      '😀'.repeat(50),
    ];
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const n = 1 + Math.floor(rand() * 12);
      let p = '';
      for (let j = 0; j < n; j++) p += alphabet[Math.floor(rand() * alphabet.length)];
      const r = checkPath(p);
      if (!r.ok) continue;
      accepted++;
      expect(treeRefusal(r.path), JSON.stringify(p)).to.equal(null);
      for (const segment of r.path.split('/'))
        expect(entryNameProblem(segment), JSON.stringify(p)).to.equal(null);
    }
    // The generator must exercise the accepting side too.
    expect(accepted).to.be.greaterThan(2000);
  });
});

describe('protocol/paths: folders and typed paths', () => {
  it('a folder may hold what is under it, but not share a name with a file or differ only in case', () => {
    expect(folderClash('src', 'src/a.js', false)).to.equal(null);
    expect(folderClash('src/lib', 'src', true)).to.equal(null);
    expect(folderClash('src', 'src', true)).to.match(/already exists/);
    expect(folderClash('src', 'src', false)).to.match(/a file and a folder/);
    expect(folderClash('a.txt/x', 'a.txt', false)).to.match(/a file and a folder/);
    expect(folderClash('Src', 'src/a.js', false)).to.match(/only in case/);
  });

  it('resolves a path typed relative to a folder, and refuses one that climbs above the top', () => {
    expect(resolvePath('app/src', '../../web/lib.rs')).to.deep.equal({ ok: true, path: 'web/lib.rs' });
    expect(resolvePath('app', './x/../y.rs')).to.deep.equal({ ok: true, path: 'app/y.rs' });
    expect(resolvePath('app', '/top.rs')).to.deep.equal({ ok: true, path: 'top.rs' });
    expect(resolvePath('', 'a//b')).to.deep.equal({ ok: true, path: 'a//b' });
    expect(resolvePath('app', '../../x')).to.include({ ok: false });
    expect(isRelativePath('../x')).to.equal(true);
    expect(isRelativePath('x/../y')).to.equal(false);
  });
});
