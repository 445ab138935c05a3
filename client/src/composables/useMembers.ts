/**
 * The members panel's data: who is in the session with which role (`GET /api/sessions/:id`) and,
 * for owners, the invitation links; both reload when the server says members changed
 * (`session:event` type `members`, which also follows an accepted invitation).
 */
import { can, type Role } from '@protocol/roles';
import { onScopeDispose, type Ref, ref, watch } from 'vue';
import { humanMessage } from '@/api/errors';
import { type Invite, invitesApi } from '@/api/invites';
import type { Member } from '@/api/members';
import { sessionsApi } from '@/api/sessions';
import { useRealtime } from './useRealtime';

const ROLE_ORDER: Record<Role, number> = { owner: 0, editor: 1, commenter: 2, viewer: 3 };

export function useMembers(sessionId: string, role: Ref<Role>) {
  const client = useRealtime();
  const members = ref<Member[]>([]);
  const invites = ref<Invite[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  let request = 0;

  async function reload(): Promise<void> {
    const mine = ++request;
    const manage = can(role.value, 'session.manage');
    try {
      const [detail, list] = await Promise.all([
        sessionsApi.get(sessionId),
        manage ? invitesApi.list(sessionId) : Promise.resolve({ invites: [] as Invite[] }),
      ]);
      if (mine !== request) return; // a newer reload is under way
      members.value = [...detail.members].sort(
        (a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || a.displayName.localeCompare(b.displayName),
      );
      invites.value = list.invites.filter((i) => !i.revoked).sort((a, b) => b.createdAt - a.createdAt);
      error.value = null;
      loaded.value = true;
    } catch (e) {
      if (mine === request) error.value = humanMessage(e);
    }
  }

  const off = client.on('sessionEvent', (event) => {
    if (event.sessionId === sessionId && event.type === 'members') void reload();
  });
  watch(role, () => void reload());
  onScopeDispose(off);
  void reload();

  return { members, invites, loaded, error, reload };
}
