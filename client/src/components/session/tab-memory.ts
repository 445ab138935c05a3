/**
 * Open tabs remembered per session in this browser (issue 15, item 6): a reload, or coming back
 * later, shows the same files in the same order with the same one active. Tabs are kept by file
 * id, so a renamed or moved file's tab follows it; files deleted meanwhile are dropped quietly.
 */
import { onMounted, type Ref, watch } from 'vue';

/** What is remembered: file ids in tab order, and the active one (a tab, or a binary file shown). */
export interface RememberedTabs {
  open: string[];
  active: string | null;
}

/** More than anyone keeps open; older entries are dropped from the end. */
export const MAX_REMEMBERED = 50;

export const tabMemoryKey = (sessionId: string) => `gitpad.tabs.${sessionId}`;

/** Reads what was stored, tolerating anything (old formats, hand edits, other apps): never throws. */
export function parseRemembered(raw: string | null): RememberedTabs {
  const none: RememberedTabs = { open: [], active: null };
  if (!raw) return none;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return none;
  }
  if (!value || typeof value !== 'object') return none;
  const { open, active } = value as { open?: unknown; active?: unknown };
  const ids = Array.isArray(open) ? open.filter((x): x is string => typeof x === 'string') : [];
  return {
    open: [...new Set(ids)].slice(0, MAX_REMEMBERED),
    active: typeof active === 'string' ? active : null,
  };
}

/** What to reopen: the remembered files that still exist, in order; the active one if it exists. */
export function restorable(saved: RememberedTabs, exists: (fileId: string) => boolean): RememberedTabs {
  return {
    open: saved.open.filter(exists),
    active: saved.active !== null && exists(saved.active) ? saved.active : null,
  };
}

/**
 * Restores the session's remembered tabs when the workspace mounts (before `?file=` is applied,
 * so a link still decides the active file), then remembers every change. `open` opens one file as
 * a tab (in call order), `activate` shows one.
 */
export function useTabMemory(
  sessionId: string,
  state: { openIds: () => readonly string[]; activeId: Ref<string | null> },
  actions: {
    exists: (fileId: string) => boolean;
    open: (fileId: string) => void;
    activate: (fileId: string) => void;
  },
): void {
  const key = tabMemoryKey(sessionId);
  let restored = false;

  onMounted(() => {
    let saved: RememberedTabs = { open: [], active: null };
    try {
      saved = restorable(parseRemembered(localStorage.getItem(key)), actions.exists);
    } catch {
      // Storage refused (private mode, quota): start with no tabs.
    }
    for (const id of saved.open) actions.open(id);
    if (saved.active) actions.activate(saved.active);
    restored = true;
  });

  watch(
    () => [state.openIds().join('\n'), state.activeId.value] as const,
    () => {
      if (!restored) return;
      const value: RememberedTabs = {
        open: state.openIds().slice(0, MAX_REMEMBERED),
        active: state.activeId.value,
      };
      try {
        localStorage.setItem(key, JSON.stringify(value));
      } catch {
        // Not remembered; this visit still works.
      }
    },
  );
}
