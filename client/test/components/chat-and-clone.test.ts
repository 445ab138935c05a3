import { expect } from 'chai';
import { chatSegments } from '../../src/components/chat/chat-text';
import {
  cloneCommand,
  cloneHosts,
  cloneProtocol,
  pushCommand,
} from '../../src/components/clone/clone-command';

describe('chat text', () => {
  const files = new Set(['src/app.ts', 'Makefile', 'docs/ü.md']);
  const isFile = (path: string) => files.has(path);

  it('links path:line references to files of the session, and only those', () => {
    const segments = chatSegments(
      'see src/app.ts:42, ./Makefile:3:7 and docs/ü.md:1; not at 10:30 or x.ts:5',
      isFile,
    );
    expect(segments.filter((s) => s.kind === 'file')).to.deep.equal([
      { kind: 'file', text: 'src/app.ts:42', path: 'src/app.ts', line: 42 },
      { kind: 'file', text: './Makefile:3:7', path: 'Makefile', line: 3 },
      { kind: 'file', text: 'docs/ü.md:1', path: 'docs/ü.md', line: 1 },
    ]);
    expect(segments.map((s) => s.text).join('')).to.equal(
      'see src/app.ts:42, ./Makefile:3:7 and docs/ü.md:1; not at 10:30 or x.ts:5',
    );
  });

  it('does not link inside longer words or paths, nor line 0', () => {
    for (const text of ['lib/src/app.ts:42', 'src/app.ts:42abc', 'src/app.ts:0', 'xsrc/app.ts:4']) {
      expect(chatSegments(text, isFile), text).to.deep.equal([{ kind: 'text', text }]);
    }
  });

  it('keeps markup as plain text', () => {
    const text = '<img src=x onerror=alert(1)>';
    expect(chatSegments(text, isFile)).to.deep.equal([{ kind: 'text', text }]);
  });
});

describe('clone command', () => {
  const info = {
    protocol: 'http',
    port: '3000',
    publicUrl: null,
    lanAddresses: ['192.168.1.20', '[fd00::2]'],
  };

  it('uses the page host when it is reachable from the LAN', () => {
    expect(cloneHosts({ hostname: 'gitpad.lan', host: 'gitpad.lan:3000', port: '3000' }, info)).to.deep.equal(
      ['gitpad.lan:3000'],
    );
  });

  it('offers the LAN addresses first when opened as localhost', () => {
    expect(cloneHosts({ hostname: 'localhost', host: 'localhost:3000', port: '3000' }, info)).to.deep.equal([
      '192.168.1.20:3000',
      '[fd00::2]:3000',
      'localhost:3000',
    ]);
    expect(
      cloneHosts(
        { hostname: '127.0.0.1', host: '127.0.0.1:3000', port: '3000' },
        { ...info, lanAddresses: [] },
      ),
    ).to.deep.equal(['127.0.0.1:3000']);
  });

  it('uses the configured public URL, whatever the page was opened as', () => {
    const pub = { ...info, publicUrl: 'https://gitpad.example:8443' };
    expect(cloneHosts({ hostname: 'localhost', host: 'localhost:3000', port: '3000' }, pub)).to.deep.equal([
      'gitpad.example:8443',
    ]);
    expect(cloneProtocol('http:', pub)).to.equal('https:');
    expect(cloneProtocol('http:', info)).to.equal('http:');
  });

  it('builds the exact command', () => {
    expect(cloneCommand('http:', 'alice', '192.168.1.20:3000', 'notes-k3j9')).to.equal(
      'git clone http://alice@192.168.1.20:3000/git/notes-k3j9.git',
    );
    expect(pushCommand('https:', 'bo b', 'gitpad.lan', 'notes-k3j9')).to.equal(
      'git push https://bo%20b@gitpad.lan/git/notes-k3j9.git HEAD:main',
    );
  });
});
