/** How invitation limits read in the UI. */
import type { Invite } from '@/api/invites';

/** Expiry choices for a new link, in hours (null: never). */
export const EXPIRY_CHOICES: { label: string; hours: number | null }[] = [
  { label: '1 hour', hours: 1 },
  { label: '1 day', hours: 24 },
  { label: '7 days', hours: 168 },
  { label: '30 days', hours: 720 },
  { label: 'Never', hours: null },
];

export function formatWhen(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "Expires 3 Mar 2026, 14:00", "Never expires", "Expired". */
export function expiryText(invite: Pick<Invite, 'expiresAt'>, now = Date.now()): string {
  if (invite.expiresAt === null) return 'Never expires';
  if (invite.expiresAt <= now) return 'Expired';
  return `Expires ${formatWhen(invite.expiresAt)}`;
}

/** "2 of 5 uses", "Used up", "3 uses (no limit)". */
export function usesText(invite: Pick<Invite, 'uses' | 'maxUses'>): string {
  if (invite.maxUses === null) return `${invite.uses} ${invite.uses === 1 ? 'use' : 'uses'} (no limit)`;
  if (invite.uses >= invite.maxUses) return 'Used up';
  return `${invite.uses} of ${invite.maxUses} uses`;
}

/** Whether the link still admits someone. */
export function isUsable(
  invite: Pick<Invite, 'expiresAt' | 'uses' | 'maxUses' | 'revoked'>,
  now = Date.now(),
) {
  return (
    !invite.revoked &&
    (invite.expiresAt === null || invite.expiresAt > now) &&
    (invite.maxUses === null || invite.uses < invite.maxUses)
  );
}
