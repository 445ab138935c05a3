/** Usernames: 3 to 32 lowercase letters, digits, `_`, `.` or `-` (they appear in URLs, mentions and git e-mails). */
export const USERNAME_RE = /^[a-z0-9_.-]{3,32}$/;
