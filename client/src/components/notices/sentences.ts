/**
 * What happened to my work, in words: one short sentence per session event naming who did what
 * ("Ana reverted to fb9e404", "Ana deleted db.sql.", "Ana made you a viewer: …"), with the one
 * thing it offers to do. Pure: the caller runs the action. `null`: nothing to tell this person
 * (their own move, someone else's role).
 */
import type { ImportedEvent, MentionNotice, PushedEvent, RoleEvent } from '@protocol/activity';
import type {
  FileDeletedEvent,
  FileRestoredEvent,
  MovedEvent,
  RevertDiffers,
  RevertedEvent,
  SessionEvent,
} from '@protocol/events';
import type { Role } from '@protocol/roles';

export type SentenceAction =
  | { kind: 'restore'; label: 'Restore'; path: string; sha: string | null }
  | { kind: 'version'; label: string; sha: string };

export interface Sentence {
  text: string;
  action?: SentenceAction;
}

export interface SentenceContext {
  /** My user id. */
  me: string | null;
  /** Whether I may restore files (editors and owners). */
  canRestore: boolean;
}

const short = (sha: string) => sha.slice(0, 7);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function listOf(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** "; src/a.js also keeps what Bob typed meanwhile" for each file a revert left unlike its target. */
export function differsSentence(differs: readonly RevertDiffers[] | undefined): string {
  const parts = (differs ?? []).map(({ path, by }) =>
    by.length > 0
      ? `${path} also keeps what ${listOf(by)} typed meanwhile`
      : `${path} also keeps edits made meanwhile`,
  );
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

const ROLE_MEANS: Record<Role, string> = {
  owner: 'you can now manage the session and its members',
  editor: 'you can edit',
  commenter: 'your editor is read-only now; you can still comment',
  viewer: 'your editor is read-only now',
};

/** "Ana made you a viewer: your editor is read-only now." */
export function roleSentence(role: Role, by: { displayName: string } | null | undefined): string {
  const article = role === 'owner' || role === 'editor' ? 'an' : 'a';
  const who = by ? `${by.displayName} made you` : 'You are now';
  return `${who} ${article} ${role}: ${ROLE_MEANS[role]}.`;
}

/** The sentence for a session event, or null when there is nothing to tell this person. */
export function eventSentence(event: SessionEvent, ctx: SentenceContext): Sentence | null {
  const by = event.by as { id: string; displayName: string } | null | undefined;
  const mine = by?.id !== undefined && by.id === ctx.me;
  const who = mine ? 'You' : (by?.displayName ?? 'Someone');
  switch (event.type) {
    case 'fileDeleted': {
      const e = event as FileDeletedEvent;
      return {
        text: `${who} deleted ${e.path}.`,
        ...(ctx.canRestore
          ? { action: { kind: 'restore', label: 'Restore', path: e.path, sha: e.sha } }
          : {}),
      };
    }
    case 'fileRestored':
      return { text: `${who} restored ${(event as FileRestoredEvent).path}.` };
    case 'moved': {
      // Tabs re-label by themselves (file ids do not change); the mover knows what they did.
      if (mine) return null;
      const e = event as MovedEvent;
      const slash = e.kind === 'folder' ? '/' : '';
      return { text: `${who} moved ${e.from}${slash} to ${e.to}${slash}.` };
    }
    case 'reverted': {
      // The person who reverted is told by the history panel, with what the revert answered.
      if (mine) return null;
      const e = event as RevertedEvent;
      const text = `${who} reverted to ${short(e.sha)}${differsSentence(e.differs)}.`;
      if (e.kept && ctx.me && e.kept.typists.includes(ctx.me)) {
        return {
          text: `${text} Your unsaved typing is kept in version ${short(e.kept.sha)}.`,
          action: { kind: 'version', label: `Open ${short(e.kept.sha)}`, sha: e.kept.sha },
        };
      }
      return { text, action: { kind: 'version', label: `Open ${short(e.sha)}`, sha: e.sha } };
    }
    case 'imported': {
      if (mine) return null;
      const e = event as ImportedEvent;
      const text = `${who} imported ${plural(e.count, 'file')}.`;
      return e.sha ? { text, action: { kind: 'version', label: 'Open', sha: e.sha } } : { text };
    }
    case 'pushed': {
      const e = event as PushedEvent;
      return {
        text: `${who} pushed ${plural(e.count, 'commit')}.`,
        action: { kind: 'version', label: 'Open', sha: e.sha },
      };
    }
    case 'role': {
      // Only mine: the session:role event tells it live; this is for catching up.
      const e = event as RoleEvent;
      if (e.user.id !== ctx.me || e.role === null || e.by?.id === ctx.me) return null;
      return { text: roleSentence(e.role, e.by) };
    }
    default:
      return null;
  }
}

/** "Ana mentioned you in chat: …" / "… in a comment on 1a2b3c4: …", naming another session. */
export function mentionSentence(m: MentionNotice, currentSessionId: string | null): string {
  const where = m.source === 'chat' ? 'chat' : `a comment on ${short(m.ref)}`;
  const session = m.sessionId === currentSessionId ? '' : ` (${m.sessionName})`;
  return `${m.by.displayName} mentioned you in ${where}${session}: ${m.text}`;
}
