/** Short messages for the person (errors as human sentences, confirmations), shown as toasts. */
import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export const useNoticesStore = defineStore('notices', () => {
  const items = ref<Notice[]>([]);
  let nextId = 1;

  function push(kind: Notice['kind'], text: string): number {
    // The same sentence twice in a row is one notice.
    const same = items.value.find((n) => n.text === text && n.kind === kind);
    if (same) return same.id;
    const id = nextId++;
    items.value = [...items.value.slice(-4), { id, kind, text }];
    return id;
  }

  function dismiss(id: number): void {
    items.value = items.value.filter((n) => n.id !== id);
  }

  return {
    items: readonly(items),
    error: (text: string) => push('error', text),
    info: (text: string) => push('info', text),
    dismiss,
  };
});
