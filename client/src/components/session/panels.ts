/**
 * The right-hand panels of a session (one open at a time). Chat, History and Members register
 * here from their own issues; the top bar shows a toggle per entry and the workspace renders the
 * open one with `{sessionId, role}` as props.
 */
import type { Role } from '@protocol/roles';
import { type Component, defineAsyncComponent } from 'vue';

export interface SessionPanel {
  id: string;
  /** Button text and the panel's accessible name. */
  label: string;
  /** A short glyph for narrow screens. */
  icon: string;
  /** Usually `defineAsyncComponent(() => import('./ChatPanel.vue'))`, so it loads when opened. */
  component: Component;
  /** Whether a member with this role sees the panel at all. */
  visible?: (role: Role) => boolean;
}

export const SESSION_PANELS: SessionPanel[] = [
  {
    id: 'history',
    label: 'History',
    icon: '⎇',
    component: defineAsyncComponent(() => import('@/components/versions/HistoryPanel.vue')),
  },
];
