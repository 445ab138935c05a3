/** Appearance: the theme follows the system unless the person picked one (remembered). */
import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';

export type ThemePreference = 'system' | 'light' | 'dark';
const THEME_KEY = 'gitpad.theme';

function storedPreference(): ThemePreference {
  try {
    const value = localStorage.getItem(THEME_KEY);
    return value === 'light' || value === 'dark' ? value : 'system';
  } catch {
    return 'system';
  }
}

export const useUiStore = defineStore('ui', () => {
  const preference = ref<ThemePreference>(storedPreference());
  const systemDark = ref(false);

  if (typeof window !== 'undefined' && window.matchMedia) {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    systemDark.value = query.matches;
    query.addEventListener('change', (event) => {
      systemDark.value = event.matches;
    });
  }

  const theme = computed<'light' | 'dark'>(() =>
    preference.value === 'system' ? (systemDark.value ? 'dark' : 'light') : preference.value,
  );

  function setPreference(next: ThemePreference): void {
    preference.value = next;
    try {
      if (next === 'system') localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, next);
    } catch {
      // not remembered; still applies now
    }
  }

  /** Cycles system → light → dark → system. */
  function cycleTheme(): void {
    setPreference(preference.value === 'system' ? 'light' : preference.value === 'light' ? 'dark' : 'system');
  }

  return { preference: readonly(preference), theme, setPreference, cycleTheme };
});
