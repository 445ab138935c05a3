/**
 * The page's one EditorView, mounted in a container element, showing whichever open file is
 * active: switching files swaps the view's state, so each file keeps its own undo history.
 */
import { EditorView } from '@codemirror/view';
import { onBeforeUnmount, onMounted, type Ref, shallowRef, watch } from 'vue';
import type { CollabEditor } from '@/editor/collab-editor';
import { cspNonce } from '@/editor/csp-nonce';
import { remoteCursors } from '@/editor/remote-cursors';

export function useCodeMirror(
  container: Ref<HTMLElement | null | undefined>,
  active: Ref<CollabEditor | null>,
) {
  const view = shallowRef<EditorView | null>(null);
  let shown: CollabEditor | null = null;

  function show(editor: CollabEditor | null): void {
    if (!view.value || editor === shown) return;
    shown?.detach();
    shown = editor;
    if (editor) editor.attach(view.value);
  }

  onMounted(() => {
    // The nonce from the first state on: CodeMirror mounts its <style> elements at creation.
    view.value = new EditorView({ parent: container.value ?? undefined, extensions: cspNonce() });
    show(active.value);
  });
  watch(active, (editor) => show(editor));

  onBeforeUnmount(() => {
    shown?.detach();
    shown = null;
    view.value?.destroy();
    view.value = null;
  });

  return {
    view,
    focus: () => view.value?.focus(),
    /**
     * Scrolls to another person's cursor in the shown file; false when they have none here.
     * `nearest` scrolls only as far as it takes (following someone as they type).
     */
    revealUser(userId: string, y: 'center' | 'nearest' = 'center'): boolean {
      const v = view.value;
      if (!v) return false;
      const cursor = remoteCursors(v.state).find((c) => c.user.userId === userId);
      if (!cursor) return false;
      v.dispatch({ effects: EditorView.scrollIntoView(cursor.head, { y, yMargin: 60 }) });
      return true;
    },
    /** Another person's cursor offset in the shown file, or null when they have none here. */
    cursorOf(userId: string): number | null {
      const v = view.value;
      return (v && remoteCursors(v.state).find((c) => c.user.userId === userId)?.head) ?? null;
    },
  };
}
