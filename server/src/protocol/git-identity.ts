/**
 * What a user may choose as the name and e-mail on their commits (`PATCH /api/auth/me`): one rule
 * for the REST edge and the Settings form. The defaults are made in server/src/auth/git-identity.ts.
 */
export const GIT_NAME_MAX = 100;
export const GIT_EMAIL_MAX = 254;

/**
 * Why `name` cannot go in a git ident line, or null when it can. git itself refuses `<`, `>` and
 * newlines there; other control characters would reach every clone.
 */
export function gitNameProblem(name: string): string | null {
  if (name.length === 0 || name.length > GIT_NAME_MAX)
    return `A git name is 1 to ${GIT_NAME_MAX} characters.`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (/[<>\u0000-\u001f\u007f]/.test(name)) return 'A git name cannot contain <, > or control characters.';
  return null;
}

/** Why `email` cannot be a commit e-mail, or null when it can: one `@`, no spaces, `<`, `>` or controls. */
export function gitEmailProblem(email: string): string | null {
  if (email.length === 0 || email.length > GIT_EMAIL_MAX)
    return `An e-mail is 1 to ${GIT_EMAIL_MAX} characters.`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (!/^[^\s<>@\u0000-\u001f\u007f]+@[^\s<>@\u0000-\u001f\u007f]+$/.test(email)) {
    return 'An e-mail looks like name@example.com: one @, no spaces, < or >.';
  }
  return null;
}
