/** Keeps the open session's file tree live from its manifest document (edited only by the server). */
import { onScopeDispose } from 'vue';
import { humanMessage } from '@/api/errors';
import { MANIFEST_COLLECTION, type Manifest } from '@/api/sessions';
import { useNoticesStore } from '@/stores/notices';
import { useSessionsStore } from '@/stores/sessions';
import { useRealtime } from './useRealtime';

export function useManifest(sessionId: string): void {
  const client = useRealtime();
  const sessions = useSessionsStore();
  const notices = useNoticesStore();
  const doc = client.doc(MANIFEST_COLLECTION, sessionId);

  const apply = () => {
    if (doc.type && doc.data) sessions.applyManifest(sessionId, doc.data as Manifest);
  };
  const onError = (error: unknown) => notices.error(humanMessage(error));
  const onDel = () => sessions.forget(sessionId);
  doc.on('load', apply);
  doc.on('op batch', apply);
  doc.on('create', apply);
  doc.on('del', onDel);
  doc.on('error', onError);
  doc.subscribe((error) => {
    if (error) onError(error);
    else apply();
  });

  onScopeDispose(() => {
    doc.off('load', apply);
    doc.off('op batch', apply);
    doc.off('create', apply);
    doc.off('del', onDel);
    doc.off('error', onError);
    doc.unsubscribe(() => undefined);
  });
}
