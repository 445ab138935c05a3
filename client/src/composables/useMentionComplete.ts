/**
 * Completes member names after `@` in a text box (chat, comments): while the word at the caret is
 * `@` plus the start of a username or display name, `suggestions` lists the matching members
 * (not me); Arrow keys choose, Enter or Tab inserts `@username `, Escape hides them until the word
 * changes. The parsing is the shared one (protocol/mentions.ts), so what completes is what the
 * server resolves.
 */
import { mentionQueryAt } from '@protocol/mentions';
import { computed, nextTick, type Ref, ref, watch } from 'vue';

export interface MentionCandidate {
  username: string;
  displayName: string;
}

/** Most suggestions shown at once. */
const MAX_SUGGESTIONS = 6;

export function useMentionComplete(
  draft: Ref<string>,
  input: Ref<HTMLTextAreaElement | HTMLInputElement | null>,
  members: () => readonly MentionCandidate[],
  me: () => string | null,
) {
  const caret = ref(0);
  const active = ref(0);
  /** The `@` position whose suggestions Escape hid. */
  const dismissedAt = ref<number | null>(null);

  const query = computed(() => mentionQueryAt(draft.value, caret.value));
  const suggestions = computed(() => {
    const q = query.value;
    if (!q || dismissedAt.value === q.start) return [];
    return members()
      .filter((m) => m.username !== me())
      .filter((m) => m.username.startsWith(q.query) || m.displayName.toLowerCase().startsWith(q.query))
      .slice(0, MAX_SUGGESTIONS);
  });
  watch(suggestions, () => {
    active.value = 0;
  });
  watch(query, (q) => {
    if (!q) dismissedAt.value = null;
  });

  /** Call on input, click and key-up: where the caret is. */
  function track(): void {
    caret.value = input.value?.selectionStart ?? draft.value.length;
  }

  async function pick(candidate: MentionCandidate): Promise<void> {
    const q = query.value;
    if (!q) return;
    const inserted = `@${candidate.username} `;
    draft.value = draft.value.slice(0, q.start) + inserted + draft.value.slice(caret.value);
    const at = q.start + inserted.length;
    caret.value = at;
    await nextTick();
    input.value?.focus();
    input.value?.setSelectionRange(at, at);
  }

  /** Handles the keys the suggestions use; true when it did (the caller then ignores the key). */
  function onKeydown(event: KeyboardEvent): boolean {
    const list = suggestions.value;
    if (list.length === 0 || event.isComposing) return false;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const step = event.key === 'ArrowDown' ? 1 : -1;
      active.value = (active.value + step + list.length) % list.length;
    } else if ((event.key === 'Enter' && !event.shiftKey) || event.key === 'Tab') {
      void pick(list[active.value]!);
    } else if (event.key === 'Escape') {
      dismissedAt.value = query.value?.start ?? null;
    } else return false;
    event.preventDefault();
    event.stopPropagation();
    return true;
  }

  return { suggestions, active, track, pick, onKeydown };
}
