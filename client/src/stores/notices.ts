/** Short messages for the person (errors as human sentences, confirmations), shown as toasts. */
import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
  /** The label of the one thing the notice offers to do ("Restore"), if any. */
  action?: string;
}

/** What a notice's button does; kept beside the store's state, not in it. */
export interface NoticeAction {
  label: string;
  run: () => void;
}

export const useNoticesStore = defineStore('notices', () => {
  const items = ref<Notice[]>([]);
  /** notice id → what its button does (functions are machinery, not state). */
  const actions = new Map<number, () => void>();
  let nextId = 1;

  function push(kind: Notice['kind'], text: string, action?: NoticeAction): number {
    // The same sentence twice in a row is one notice.
    const same = items.value.find((n) => n.text === text && n.kind === kind);
    if (same) return same.id;
    const id = nextId++;
    const notice: Notice = action ? { id, kind, text, action: action.label } : { id, kind, text };
    if (action) actions.set(id, action.run);
    const kept = items.value.slice(-4);
    for (const gone of items.value.slice(0, -4)) actions.delete(gone.id);
    items.value = [...kept, notice];
    return id;
  }

  function dismiss(id: number): void {
    actions.delete(id);
    items.value = items.value.filter((n) => n.id !== id);
  }

  /** Does what the notice offers, and dismisses it. */
  function act(id: number): void {
    const run = actions.get(id);
    dismiss(id);
    run?.();
  }

  return {
    items: readonly(items),
    error: (text: string, action?: NoticeAction) => push('error', text, action),
    info: (text: string, action?: NoticeAction) => push('info', text, action),
    dismiss,
    act,
  };
});
