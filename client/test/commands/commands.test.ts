import { expect } from 'chai';
import { fuzzyFilter, fuzzyMatch } from '../../src/commands/fuzzy';
import { keyLabel, matchesKey } from '../../src/commands/keys';
import { commands } from '../../src/commands/registry';

const key = (k: string, mods: { ctrl?: boolean; meta?: boolean; shift?: boolean; alt?: boolean } = {}) => ({
  key: k,
  ctrlKey: mods.ctrl ?? false,
  metaKey: mods.meta ?? false,
  shiftKey: mods.shift ?? false,
  altKey: mods.alt ?? false,
});

describe('key bindings', () => {
  it('Mod is Ctrl elsewhere and ⌘ on a Mac, and modifiers match exactly', () => {
    expect(matchesKey('Mod+P', key('p', { ctrl: true }), false)).to.equal(true);
    expect(matchesKey('Mod+P', key('p', { meta: true }), false)).to.equal(false);
    expect(matchesKey('Mod+P', key('p', { meta: true }), true)).to.equal(true);
    expect(matchesKey('Mod+P', key('P', { ctrl: true, shift: true }), false)).to.equal(false);
    expect(matchesKey('Mod+Shift+P', key('P', { ctrl: true, shift: true }), false)).to.equal(true);
    expect(matchesKey('Mod+Shift+F', key('F', { ctrl: true, shift: true, alt: true }), false)).to.equal(
      false,
    );
  });

  it('a symbol key ignores the Shift that typing it takes, but not Ctrl', () => {
    expect(matchesKey('?', key('?', { shift: true }), false)).to.equal(true);
    expect(matchesKey('?', key('?', { ctrl: true, shift: true }), false)).to.equal(false);
  });

  it('labels the binding as each platform writes it', () => {
    expect(keyLabel('Mod+Shift+P', false)).to.equal('Ctrl+Shift+P');
    expect(keyLabel('Mod+Shift+P', true)).to.equal('⌘⇧P');
    expect(keyLabel('?', false)).to.equal('?');
  });
});

describe('fuzzy matching', () => {
  it('matches characters in order, case-insensitively, and says which', () => {
    expect(fuzzyMatch('sapp', 'src/App.vue')?.positions).to.deep.equal([0, 4, 5, 6]);
    expect(fuzzyMatch('xyz', 'src/App.vue')).to.equal(null);
    expect(fuzzyMatch('', 'anything')).to.deep.equal({ score: 0, positions: [] });
  });

  it('ranks word starts, runs and file names first', () => {
    const paths = [
      'client/src/components/session/SessionWorkspace.vue',
      'server/src/sessions/service.ts',
      'docs/design-notes.md',
      'client/src/stores/search.ts',
      'server/src/search/service.ts',
    ];
    const ranked = (q: string) => fuzzyFilter(q, paths, (p) => p).map((r) => r.item);
    expect(ranked('sessw')[0]).to.equal('client/src/components/session/SessionWorkspace.vue');
    expect(ranked('searchservice')[0]).to.equal('server/src/search/service.ts');
    expect(ranked('search.ts')[0]).to.equal('client/src/stores/search.ts');
    expect(ranked('dn')[0]).to.equal('docs/design-notes.md');
  });

  it('keeps the given order without a query (recent files first)', () => {
    expect(fuzzyFilter('', ['b', 'a', 'c'], (x) => x).map((r) => r.item)).to.deep.equal(['b', 'a', 'c']);
  });
});

describe('command registry', () => {
  it('one registration is what the palette lists and what the keys run; disabled ones neither', () => {
    let ran = 0;
    let enabled = true;
    const remove = commands.register({
      id: 'test.cmd',
      title: 'Test',
      category: 'Test',
      keys: 'Mod+Shift+K',
      enabled: () => enabled,
      run: () => ran++,
    });
    try {
      expect(commands.list().map((c) => c.id)).to.include('test.cmd');
      const event = key('K', { ctrl: true, shift: true }) as unknown as KeyboardEvent;
      const isMac = /Mac|iPhone|iPad/.test(globalThis.navigator?.platform ?? '');
      if (!isMac) expect(commands.forEvent(event)?.id).to.equal('test.cmd');
      commands.run('test.cmd');
      expect(ran).to.equal(1);
      enabled = false;
      expect(commands.list().map((c) => c.id)).not.to.include('test.cmd');
      expect(commands.forEvent(event)).to.equal(undefined);
      commands.run('test.cmd');
      expect(ran).to.equal(1);
    } finally {
      remove();
    }
    expect(commands.get('test.cmd')).to.equal(undefined);
  });
});

describe('alternative bindings', () => {
  it('a command may have several bindings; each runs it and the label names them all', async () => {
    const { keysLabel, matchesAnyKey } = await import('../../src/commands/keys');
    expect(keysLabel(['Mod+Shift+P', 'F1'], false)).to.equal('Ctrl+Shift+P or F1');
    expect(matchesAnyKey(['Mod+Shift+P', 'F1'], key('F1'), false)).to.equal(true);
    expect(matchesAnyKey(['Mod+Shift+P', 'F1'], key('F1', { shift: true }), false)).to.equal(false);
  });
});
