/**
 * The server's sign-in policy for the login and register pages: whether registration needs an
 * invitation, and which ways to sign in it offers (`GET /api/auth/policy`). Null until it has
 * answered; on a failed request the pages fall back to the password form and let the server say no.
 */
import { onMounted, type Ref, ref } from 'vue';
import { type AuthPolicy, adminApi } from '@/api/admin';

export function useAuthPolicy(): Ref<AuthPolicy | null> {
  const policy = ref<AuthPolicy | null>(null);
  onMounted(async () => {
    try {
      policy.value = await adminApi.policy();
    } catch {
      // Unknown: the server will refuse what it does not offer, with a clear code.
    }
  });
  return policy;
}
