/**
 * Following a collaborator (issue 15, item 2), as in Zed and Live Share: their file opens here
 * whenever they switch, and their cursor is kept in view as it moves, until you type, press
 * Escape, switch to another file yourself, or they leave. Their viewport is not shared, so
 * "scroll" follows their cursor: wherever they type or move is on your screen.
 */
import type { PresenceUser } from '@protocol/events';
import { computed, onScopeDispose, type Ref, ref, watch } from 'vue';

/** How often the followed cursor is looked up while following, ms (cheap: a state field read). */
const CURSOR_POLL_MS = 150;

export interface FollowOptions {
  /** Everyone in the session, live. */
  users: Ref<readonly PresenceUser[]>;
  /** The file this tab shows. */
  activeId: Ref<string | null>;
  /** Opens a file here. */
  open: (fileId: string) => void;
  /** Their cursor's offset in the shown file, or null when they have none there (yet). */
  cursorOf: (userId: string) => number | null;
  /** Brings their cursor into view. */
  reveal: (userId: string) => void;
  /** A short notice ("Bo left; you stopped following."). */
  say: (message: string) => void;
}

export function useFollow(o: FollowOptions) {
  const followingId = ref<string | null>(null);
  const followed = computed(() => o.users.value.find((u) => u.userId === followingId.value) ?? null);
  let lastHead: number | null = null;
  let lastFile: string | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;

  function tick(): void {
    const user = followed.value;
    if (!user?.fileId || o.activeId.value !== user.fileId) return;
    const head = o.cursorOf(user.userId);
    if (head === null || (head === lastHead && lastFile === user.fileId)) return;
    lastHead = head;
    lastFile = user.fileId;
    o.reveal(user.userId);
  }

  function onKeydown(event: KeyboardEvent): void {
    if (!followingId.value || ['Shift', 'Control', 'Alt', 'Meta'].includes(event.key)) return;
    if (event.key === 'Escape') event.preventDefault();
    stop();
  }

  function start(user: PresenceUser): void {
    if (!user.fileId) {
      o.say(`${user.displayName} has no file open.`);
      return;
    }
    followingId.value = user.userId;
    lastHead = null;
    lastFile = null;
    if (user.fileId !== o.activeId.value) o.open(user.fileId);
    if (!timer) {
      timer = setInterval(tick, CURSOR_POLL_MS);
      window.addEventListener('keydown', onKeydown, { capture: true });
    }
    tick();
  }

  function stop(message?: string): void {
    if (!followingId.value) return;
    followingId.value = null;
    clearInterval(timer);
    timer = undefined;
    window.removeEventListener('keydown', onKeydown, { capture: true });
    if (message) o.say(message);
  }

  /** Click on someone's avatar: follow them, or stop when already following them. */
  function toggle(user: PresenceUser): void {
    if (followingId.value === user.userId) stop();
    else start(user);
  }

  // They switch files: so do we.
  watch(
    () => followed.value?.fileId,
    (fileId) => {
      if (followingId.value && fileId && fileId !== o.activeId.value) o.open(fileId);
    },
  );
  // They leave the session.
  watch(followed, (user, before) => {
    if (followingId.value && !user && before) stop(`${before.displayName} left; you stopped following.`);
  });
  // We switch to another file ourselves.
  watch(o.activeId, (id) => {
    const fileId = followed.value?.fileId;
    if (followingId.value && fileId && id !== fileId) stop();
  });

  onScopeDispose(() => stop());

  return { followingId, followed, start, stop, toggle };
}
