/**
 * Routes and the sign-in guard. A signed-out visitor, or one whose token the server refuses,
 * goes to /login?next=<where they were going>, and comes back there after signing in.
 */
import { createRouter, createWebHistory, type RouteLocationNormalized } from 'vue-router';
import { toClientError } from '@/api/errors';
import { useAuthStore } from '@/stores/auth';

declare module 'vue-router' {
  interface RouteMeta {
    /** Only for signed-in people. */
    auth?: boolean;
    /** Only for signed-out people (login, register). */
    guest?: boolean;
  }
}

/** A `next` target we are willing to follow: a path on this site, nothing else. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export function loginRoute(to: Pick<RouteLocationNormalized, 'fullPath'>) {
  return { name: 'login', query: to.fullPath && to.fullPath !== '/' ? { next: to.fullPath } : {} };
}

export function createAppRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes: [
      {
        path: '/login',
        name: 'login',
        component: () => import('@/views/LoginView.vue'),
        meta: { guest: true },
      },
      {
        path: '/register',
        name: 'register',
        component: () => import('@/views/RegisterView.vue'),
        meta: { guest: true },
      },
      {
        path: '/',
        name: 'sessions',
        component: () => import('@/views/SessionsView.vue'),
        meta: { auth: true },
      },
      {
        path: '/s/:sessionId',
        name: 'session',
        component: () => import('@/views/SessionView.vue'),
        meta: { auth: true },
        props: true,
      },
      {
        path: '/join/:token',
        name: 'join',
        component: () => import('@/views/JoinView.vue'),
        meta: { auth: true },
        props: true,
      },
      {
        path: '/settings',
        name: 'settings',
        component: () => import('@/views/SettingsView.vue'),
        meta: { auth: true },
      },
      {
        path: '/admin',
        name: 'admin',
        component: () => import('@/views/AdminView.vue'),
        meta: { auth: true },
      },
      { path: '/:pathMatch(.*)*', redirect: '/' },
    ],
  });

  router.beforeEach(async (to) => {
    const auth = useAuthStore();
    if (to.meta.guest && auth.isSignedIn) return safeNext(to.query.next);
    if (!to.meta.auth) return true;
    if (!auth.isSignedIn) return loginRoute(to);
    try {
      await auth.ensureUser();
    } catch (error) {
      // A refused token has already signed us out; a server we cannot reach is the page's problem.
      if (toClientError(error).code === 'ERR_UNAUTHENTICATED' || !auth.isSignedIn) return loginRoute(to);
    }
    return true;
  });

  return router;
}
