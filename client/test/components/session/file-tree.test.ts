import { expect } from 'chai';
import {
  buildTree,
  folderProblem,
  nameProblem,
  pathProblem,
  type TreeNode,
  typedPath,
} from '../../../src/components/session/file-tree';

const names = (nodes: TreeNode[]) => nodes.map((n) => (n.kind === 'folder' ? `${n.name}/` : n.name));

describe('file tree', () => {
  it('nests files under implicit folders, folders first, natural order', () => {
    const tree = buildTree([
      { id: '1', path: 'src/b.ts' },
      { id: '2', path: 'README.md' },
      { id: '3', path: 'src/a10.ts' },
      { id: '4', path: 'src/a9.ts' },
      { id: '5', path: 'src/lib/x.ts' },
      { id: '6', path: 'a.txt' },
    ]);
    expect(names(tree.children)).to.deep.equal(['src/', 'a.txt', 'README.md']);
    const src = tree.children[0]!;
    expect(src.kind === 'folder' && names(src.children)).to.deep.equal(['lib/', 'a9.ts', 'a10.ts', 'b.ts']);
  });

  it('keeps the folders the manifest holds, empty ones too', () => {
    const tree = buildTree([{ id: '1', path: 'a.txt' }], ['docs/drafts']);
    const docs = tree.children[0]!;
    expect(docs).to.include({ kind: 'folder', path: 'docs' });
    expect(docs.kind === 'folder' && docs.children[0]).to.include({ kind: 'folder', path: 'docs/drafts' });
  });

  it('refuses names that are not one path segment', () => {
    expect(nameProblem('')).to.be.a('string');
    expect(nameProblem('a/b')).to.be.a('string');
    expect(nameProblem('..')).to.be.a('string');
    expect(nameProblem('main.go')).to.equal(null);
  });
});

describe('file tree: the server’s path rule, checked before sending', () => {
  it('refuses what the server refuses, with its reason', () => {
    expect(nameProblem('git~1')).to.match(/reserved by git/);
    expect(nameProblem('.git.')).to.match(/reserved by git/);
    expect(nameProblem('notes.')).to.match(/cannot end with "\."/);
    expect(nameProblem('é'.repeat(200))).to.match(/400 bytes in UTF-8, at most 255/);
    expect(nameProblem('é'.repeat(127))).to.equal(null);
  });

  it('refuses a case-only clash, a file where a folder is, and ignores what is being moved', () => {
    const files = [{ path: 'src/a.js' }, { path: 'lib/x.js' }];
    expect(pathProblem('src/A.js', files)).to.match(/differs from "src\/a.js" only in case/);
    expect(pathProblem('Src/b.js', files)).to.match(/"Src" differs from "src" only in case/);
    expect(pathProblem('src', files)).to.match(/a file and a folder/);
    expect(pathProblem('src/b.js', files)).to.equal(null);
    // Renaming src/a.js to src/A.js: only its own case changes.
    expect(pathProblem('src/A.js', files, (p) => p === 'src/a.js')).to.equal(null);
  });
});

describe('file tree: names typed as paths, and folders', () => {
  it('resolves what was typed from the folder: a name, a path, `..`, and `/` from the top', () => {
    expect(typedPath('src', 'main.py')).to.deep.equal({ ok: true, path: 'src/main.py' });
    expect(typedPath('src', ' lib/x.py ')).to.deep.equal({ ok: true, path: 'src/lib/x.py' });
    expect(typedPath('app/src', '../../web/lib.rs')).to.deep.equal({ ok: true, path: 'web/lib.rs' });
    expect(typedPath('src', '/web/lib.rs')).to.deep.equal({ ok: true, path: 'web/lib.rs' });
    expect(typedPath('', '../x')).to.include({ ok: false });
    expect(typedPath('src', '   ')).to.include({ ok: false });
  });

  it('refuses a folder that exists, has a file’s name or differs only in case; a file where a kept folder is', () => {
    const files = [{ path: 'src/a.js' }, { path: 'README.md' }];
    expect(folderProblem('src', files, [])).to.match(/already exists/);
    expect(folderProblem('README.md', files, [])).to.match(/a file and a folder/);
    expect(folderProblem('Docs', files, ['docs'])).to.match(/only in case/);
    expect(folderProblem('src/lib', files, ['docs'])).to.equal(null);
    expect(pathProblem('docs', files, undefined, ['docs'])).to.match(/a file and a folder/);
    expect(pathProblem('docs/a.md', files, undefined, ['docs'])).to.equal(null);
  });
});
