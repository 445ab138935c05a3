/**
 * Who is signed in. The token survives reloads in localStorage; a token the server refuses
 * (expired, revoked) ends the sign-in everywhere in the tab, and the router sends the person to
 * the login page with a way back. Sign-out in another tab signs this one out too.
 */
import { defineStore } from 'pinia';
import { computed, readonly, ref } from 'vue';
import { authApi, type User } from '@/api/auth';
import { configureHttp } from '@/api/http';

const TOKEN_KEY = 'gitpad.token';

function storedToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: sign-in lasts for this page only
  }
}

function storeToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // see storedToken
  }
}

export const useAuthStore = defineStore('auth', () => {
  const token = ref<string | null>(storedToken());
  const user = ref<User | null>(null);
  /** True when the sign-in ended because the server refused the token (not a sign-out). */
  const expired = ref(false);
  const isSignedIn = computed(() => token.value !== null);

  function signedIn(result: { token: string; user: User }): void {
    token.value = result.token;
    user.value = result.user;
    expired.value = false;
    storeToken(result.token);
  }

  function clear(): void {
    token.value = null;
    user.value = null;
    storeToken(null);
  }

  /** The server refused our token. */
  function expire(): void {
    if (!token.value) return;
    clear();
    expired.value = true;
  }

  configureHttp({ token: () => token.value, onUnauthenticated: expire });
  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (event) => {
      if (event.key !== TOKEN_KEY) return;
      if (event.newValue === null) clear();
      else if (event.newValue !== token.value) {
        token.value = event.newValue;
        user.value = null;
      }
    });
  }

  async function login(username: string, password: string): Promise<void> {
    signedIn(await authApi.login({ username, password }));
  }

  /** Finishes an OpenID Connect sign-in with the callback's one-time code; resolves with where to go next. */
  async function loginWithOidc(code: string): Promise<string> {
    const result = await authApi.oidcExchange(code);
    signedIn(result);
    return result.next;
  }

  /** Creates the account and signs in; with an invitation, resolves with the session it joined. */
  async function register(
    username: string,
    password: string,
    displayName?: string,
    invite?: string,
  ): Promise<{ sessionId: string } | null> {
    const result = await authApi.register({
      username,
      password,
      ...(displayName ? { displayName } : {}),
      ...(invite ? { invite } : {}),
    });
    signedIn(result);
    return result.joined ?? null;
  }

  /** Loads the signed-in user (after a reload only the token is known). Throws on a refused token. */
  async function ensureUser(): Promise<User | null> {
    if (!token.value) return null;
    if (!user.value) user.value = (await authApi.me()).user;
    return user.value;
  }

  /** Reloads the signed-in user, with what only `me` answers (the git identity). */
  async function refreshUser(): Promise<User> {
    user.value = (await authApi.me()).user;
    return user.value;
  }

  /** Sets the name and e-mail on the user's commits; null goes back to the default. */
  async function setGitIdentity(patch: { gitName?: string | null; gitEmail?: string | null }): Promise<void> {
    user.value = (await authApi.updateMe(patch)).user;
  }

  async function logout(): Promise<void> {
    try {
      if (token.value) await authApi.logout();
    } catch {
      // Signing out locally matters more than telling a server we cannot reach.
    }
    clear();
    expired.value = false;
  }

  return {
    token: readonly(token),
    user: readonly(user),
    expired: readonly(expired),
    isSignedIn,
    login,
    loginWithOidc,
    register,
    ensureUser,
    refreshUser,
    setGitIdentity,
    logout,
    expire,
  };
});
