/** A stable colour per user, so a person looks the same in every tab, cursor and avatar. */
import type { PublicUser } from '../protocol/events.js';

const PALETTE = [
  '#e5484d',
  '#f76b15',
  '#ffc53d',
  '#46a758',
  '#12a594',
  '#0090ff',
  '#3e63dd',
  '#8e4ec6',
  '#d6409f',
  '#a18072',
  '#29a383',
  '#e54666',
  '#6e56cf',
  '#0588f0',
  '#978365',
  '#5bb98b',
];

export function colorFor(userId: string): string {
  let h = 2166136261;
  for (let i = 0; i < userId.length; i++) {
    h ^= userId.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}

/** The one shape in which a person is shown to others (never their account's private fields). */
export function toPublicUser(u: { id: string; username: string; displayName: string }): PublicUser {
  return { id: u.id, username: u.username, displayName: u.displayName, color: colorFor(u.id) };
}
