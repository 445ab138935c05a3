import { expect } from 'chai';
import { imageTypeForPath, isBinaryContent } from '../../../src/protocol/binary.js';
import { createIgnore } from '../../../src/protocol/gitignore.js';

describe('what counts as binary', () => {
  it('UTF-8 text (any script, a BOM, CRLF) is text', () => {
    for (const s of ['', 'hello\n', 'héllo — 日本 😀\r\n', '\ufeffbom']) {
      expect(isBinaryContent(new TextEncoder().encode(s)), s).to.equal(false);
    }
  });
  it('a NUL in the first 8000 bytes, or bytes that are not UTF-8 anywhere, are binary', () => {
    expect(isBinaryContent(new Uint8Array([0x61, 0, 0x62]))).to.equal(true);
    expect(isBinaryContent(new Uint8Array([0x63, 0x61, 0x66, 0xe9]))).to.equal(true);
    const late = new Uint8Array(20000).fill(0x61);
    late[19999] = 0xff;
    expect(isBinaryContent(late)).to.equal(true);
    // An encoded lone surrogate is not valid UTF-8.
    expect(isBinaryContent(new Uint8Array([0xed, 0xa0, 0x80]))).to.equal(true);
  });
  it('previews images by extension only', () => {
    expect(imageTypeForPath('a/b.PNG')).to.equal('image/png');
    expect(imageTypeForPath('x.svg')).to.equal('image/svg+xml');
    expect(imageTypeForPath('png')).to.equal(null);
    expect(imageTypeForPath('a.png/readme')).to.equal(null);
  });
});

describe('the import .gitignore subset', () => {
  const ig = (text: string, dir = '') => createIgnore([{ dir, text }]);
  it('leaves out .git and node_modules by default, at any depth', () => {
    const m = createIgnore([]);
    expect(m.ignores('.git/config')).to.equal(true);
    expect(m.ignores('a/node_modules/x/index.js')).to.equal(true);
    expect(m.ignores('src/node_modules.ts')).to.equal(false);
  });
  it('comments, blank lines, names at any depth, anchored and dir-only patterns', () => {
    const m = ig('# c\n\n*.log\n/top.txt\nbuild/\ndocs/*.tmp\n');
    expect(m.ignores('a/b/x.log')).to.equal(true);
    expect(m.ignores('top.txt')).to.equal(true);
    expect(m.ignores('sub/top.txt')).to.equal(false);
    expect(m.ignores('build/a.js')).to.equal(true);
    expect(m.ignores('x/build/a.js')).to.equal(true);
    expect(m.ignores('build')).to.equal(false); // a file named build: dir-only rule
    expect(m.ignores('docs/a.tmp')).to.equal(true);
    expect(m.ignores('docs/sub/a.tmp')).to.equal(false);
    expect(m.ignores('# c')).to.equal(false);
  });
  it('negation, ?, [] and ** forms', () => {
    const m = ig('*.log\n!keep.log\nfile?.txt\n[ab].md\n**/gen/**\na/**/z\n');
    expect(m.ignores('x.log')).to.equal(true);
    expect(m.ignores('keep.log')).to.equal(false);
    expect(m.ignores('file1.txt')).to.equal(true);
    expect(m.ignores('file10.txt')).to.equal(false);
    expect(m.ignores('a.md')).to.equal(true);
    expect(m.ignores('c.md')).to.equal(false);
    expect(m.ignores('p/gen/q/r.js')).to.equal(true);
    expect(m.ignores('a/z')).to.equal(true);
    expect(m.ignores('a/b/c/z')).to.equal(true);
  });
  it('cannot re-include a file under an excluded folder; a nested .gitignore applies below it', () => {
    expect(ig('out/\n!out/keep.txt\n').ignores('out/keep.txt')).to.equal(true);
    const m = createIgnore([
      { dir: '', text: '*.txt\n' },
      { dir: 'sub', text: '!a.txt\n/b.md\n' },
    ]);
    expect(m.ignores('sub/a.txt')).to.equal(false);
    expect(m.ignores('x/a.txt')).to.equal(true);
    expect(m.ignores('sub/b.md')).to.equal(true);
    expect(m.ignores('b.md')).to.equal(false);
  });
});
