/** Invitation links: owners make, list and revoke them; whoever opens one previews and accepts it. */
import { INVITE_LINK_RE, INVITE_TOKEN_RE } from '@protocol/invites';
import type { Role } from '@protocol/roles';
import { request } from './http';

/** The roles a link can grant: ownership is only handed over by transfer. */
export type InviteRole = Exclude<Role, 'owner'>;

export interface Invite {
  token: string;
  /** `<this server>/join/<token>`, as the server was addressed when the link was made. */
  url: string;
  role: InviteRole;
  createdAt: number;
  /** ms since epoch; null: never expires. */
  expiresAt: number | null;
  /** null: unlimited. */
  maxUses: number | null;
  uses: number;
  revoked: boolean;
}

export interface InvitePreview {
  sessionId: string;
  sessionName: string;
  role: InviteRole;
  expiresAt: number | null;
}

export interface NewInvite {
  role: InviteRole;
  /** Default a week; null: never. */
  expiresInHours?: number | null;
  /** Default (and null): unlimited. */
  maxUses?: number | null;
}

const perSession = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}/invites`;
const byToken = (token: string) => `/api/invites/${encodeURIComponent(token)}`;

export const invitesApi = {
  create: (sessionId: string, input: NewInvite) => request<Invite>('POST', perSession(sessionId), input),
  list: (sessionId: string) => request<{ invites: Invite[] }>('GET', perSession(sessionId)),
  revoke: (sessionId: string, token: string) =>
    request<void>('DELETE', `${perSession(sessionId)}/${encodeURIComponent(token)}`),
  preview: (token: string) => request<InvitePreview>('GET', byToken(token)),
  accept: (token: string) => request<{ sessionId: string; role: Role }>('POST', `${byToken(token)}/accept`),
};

/**
 * The invitation token in a pasted link (`http://host/join/<token>`), a `/join/<token>` path, or a
 * bare token; null when there is none.
 */
export function inviteTokenFrom(input: string | null | undefined): string | null {
  const text = (input ?? '').trim();
  if (INVITE_TOKEN_RE.test(text)) return text;
  const match = INVITE_LINK_RE.exec(text);
  return match ? match[1]! : null;
}
