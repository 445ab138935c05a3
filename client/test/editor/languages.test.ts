import { expect } from 'chai';
import { LANGUAGE_IDS } from '../../../server/src/protocol/languages';
import { languageByName, languageFor, languageForPath } from '../../src/editor/languages';

describe('editor languages', () => {
  it('finds the language of a file by its extension, case-insensitively', () => {
    const cases: Record<string, string> = {
      'src/a.js': 'javascript',
      'b.TS': 'typescript',
      'c.jsx': 'jsx',
      'd.tsx': 'tsx',
      'e.py': 'python',
      'f.html': 'html',
      'g.css': 'css',
      'h.json': 'json',
      'README.md': 'markdown',
      'Main.java': 'java',
      'x.c': 'c',
      'x.h': 'c',
      'x.cpp': 'cpp',
      'main.go': 'go',
      'lib.rs': 'rust',
      'q.sql': 'sql',
      'run.sh': 'shell',
      'ci.yaml': 'yaml',
      'ci.yml': 'yaml',
      // The server once named these differently from the editor: one table now serves both.
      'App.vue': 'html',
      'x.scss': 'css',
      'tool.pyw': 'python',
      Makefile: 'shell',
      'docker/Dockerfile': 'shell',
      '.zshrc': 'shell',
    };
    for (const [path, id] of Object.entries(cases)) expect(languageForPath(path).id, path).to.equal(id);
  });

  it('falls back to plain text for unknown or missing extensions and dotfiles', () => {
    expect(languageForPath('LICENSE').id).to.equal('plaintext');
    expect(languageForPath('notes.xyz').id).to.equal('plaintext');
    expect(languageForPath('.gitignore').id).to.equal('plaintext');
  });

  it("prefers the server's language name when it knows it", () => {
    expect(languageFor('script', 'python').id).to.equal('python');
    expect(languageFor('a.py', 'unknown-lang').id).to.equal('python');
    expect(languageByName('YML')?.id).to.equal('yaml');
  });

  it('loads every language on demand', async function () {
    this.timeout(20_000);
    for (const path of [
      'a.js',
      'a.ts',
      'a.py',
      'a.rs',
      'a.go',
      'a.sh',
      'a.java',
      'a.yaml',
      'a.md',
      'a.sql',
    ]) {
      const ext = await languageForPath(path).load();
      expect(ext, path).to.not.equal(undefined);
    }
  });

  it('has an editor mode for every language the server may stamp in a manifest', async function () {
    this.timeout(20_000);
    for (const id of LANGUAGE_IDS) {
      const language = languageByName(id);
      expect(language, id).to.not.equal(null);
      if (id === 'plaintext') continue;
      const ext = await language!.load();
      expect(Array.isArray(ext) && ext.length === 0, `${id} loads an empty mode`).to.equal(false);
    }
  });
});
