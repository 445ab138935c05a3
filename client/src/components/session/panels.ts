/**
 * The right-hand panels of a session (one open at a time). Chat, History and Members register
 * here from their own issues; the top bar shows a toggle per entry and the workspace renders the
 * open one with `{sessionId, role}` as props.
 */
import type { Role } from '@protocol/roles';
import { type Component, defineAsyncComponent } from 'vue';
import { useChatStore } from '@/stores/chat';

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
  /** A count shown on the toggle while the panel is closed (unread messages); 0 shows nothing. */
  badge?: () => number;
}

export const SESSION_PANELS: SessionPanel[] = [
  {
    id: 'search',
    label: 'Search',
    icon: '⌕',
    component: defineAsyncComponent(() => import('@/components/search/SearchPanel.vue')),
  },
  {
    id: 'chat',
    label: 'Chat',
    icon: '✉',
    component: defineAsyncComponent(() => import('@/components/chat/ChatPanel.vue')),
    badge: () => useChatStore().unread,
  },
  {
    id: 'comments',
    label: 'Comments',
    icon: '✎',
    component: defineAsyncComponent(() => import('@/components/comments/LiveCommentsPanel.vue')),
  },
  {
    id: 'history',
    label: 'History',
    icon: '⎇',
    component: defineAsyncComponent(() => import('@/components/versions/HistoryPanel.vue')),
  },
  {
    id: 'members',
    label: 'Members',
    icon: '@',
    component: defineAsyncComponent(() => import('@/components/members/MembersPanel.vue')),
  },
];
