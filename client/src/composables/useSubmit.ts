import { type Ref, ref } from 'vue';
import { humanMessage } from '@/api/errors';

export interface Submit {
  /** True while `run`'s work is under way; forms disable their button on it. */
  busy: Readonly<Ref<boolean>>;
  /** What went wrong last, in words; cleared by the next run. Forms may set it themselves too. */
  error: Ref<string | null>;
  /** Runs `work` unless a run is under way; a failure becomes `error` instead of throwing. */
  run(work: () => Promise<void>): Promise<void>;
}

/** The busy flag and error text of one form's submit. */
export function useSubmit(): Submit {
  const busy = ref(false);
  const error = ref<string | null>(null);

  async function run(work: () => Promise<void>): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    error.value = null;
    try {
      await work();
    } catch (e) {
      error.value = humanMessage(e);
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, run };
}
