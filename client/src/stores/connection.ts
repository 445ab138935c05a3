/** The realtime link as the UI shows it: its state and how many edits await confirmation. */
import { defineStore } from 'pinia';
import { readonly, ref } from 'vue';
import type { LinkState, RealtimeStatus } from '@/realtime';

export const useConnectionStore = defineStore('connection', () => {
  const state = ref<LinkState>('connecting');
  const unconfirmed = ref(0);

  function update(status: RealtimeStatus): void {
    state.value = status.state;
    unconfirmed.value = status.unconfirmed;
  }

  function reset(): void {
    state.value = 'connecting';
    unconfirmed.value = 0;
  }

  return { state: readonly(state), unconfirmed: readonly(unconfirmed), update, reset };
});
