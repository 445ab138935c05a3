/**
 * What the History panel and the editor's blame gutter ask of each other (issue 15, item 3): the
 * file whose versions the panel lists ("This file's versions"), a version to open (a click on a
 * blame run), and whether the blame gutter is on. Plain data; the components act on it.
 */
import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';

export const useHistoryViewStore = defineStore('historyView', () => {
  /** The file the History panel lists the versions of, or null for all versions. */
  const filePath = ref<string | null>(null);
  /** A version the History panel should open (then cleared by it). */
  const openSha = ref<string | null>(null);
  /** The blame gutter is shown in the editor. */
  const blame = ref(false);

  function showFile(path: string | null): void {
    filePath.value = path;
  }
  function openVersion(sha: string | null): void {
    openSha.value = sha;
  }
  function setBlame(on: boolean): void {
    blame.value = on;
  }
  function reset(): void {
    filePath.value = null;
    openSha.value = null;
    blame.value = false;
  }

  return {
    filePath: readonly(filePath),
    openSha: readonly(openSha),
    blame: readonly(blame),
    showFile,
    openVersion,
    setBlame,
    reset,
  };
});
