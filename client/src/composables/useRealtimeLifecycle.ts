/** Closes the realtime link when the person signs out (or their token is refused). Call once, in App. */
import { watch } from 'vue';
import { currentRealtime, stopRealtime } from '@/realtime/lifecycle';
import { useAuthStore } from '@/stores/auth';
import { useConnectionStore } from '@/stores/connection';

export function useRealtimeLifecycle(): void {
  const auth = useAuthStore();
  const connection = useConnectionStore();
  watch(
    () => auth.token,
    (token, previous) => {
      if (token !== previous && currentRealtime()) {
        stopRealtime();
        connection.reset();
      }
    },
  );
}
