/** Invitation tokens as the server makes them (`sessions/invites.ts`): 24 lowercase letters and digits. */
const TOKEN = '[a-z0-9]{24}';

export const INVITE_TOKEN_RE = new RegExp(`^${TOKEN}$`);

/** The token in a join link's path (`/join/<token>`), followed by the end or `/`, `?`, `#`. */
export const INVITE_LINK_RE = new RegExp(`/join/(${TOKEN})(?:[/?#]|$)`);
