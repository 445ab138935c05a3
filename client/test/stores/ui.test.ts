import { expect } from 'chai';
import { createPinia, setActivePinia } from 'pinia';
import { useUiStore } from '../../src/stores/ui';

/** Node has no localStorage or matchMedia: the store must still work, following a light system. */
describe('ui store (theme)', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('follows the system (light here) until a theme is picked', () => {
    const ui = useUiStore();
    expect([ui.preference, ui.theme]).to.deep.equal(['system', 'light']);
    ui.setPreference('dark');
    expect([ui.preference, ui.theme]).to.deep.equal(['dark', 'dark']);
  });

  it('cycles system → light → dark → system', () => {
    const ui = useUiStore();
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      ui.cycleTheme();
      seen.push(`${ui.preference}/${ui.theme}`);
    }
    expect(seen).to.deep.equal(['light/light', 'dark/dark', 'system/light']);
  });
});
