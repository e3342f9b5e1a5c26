/** Avatars are served under this prefix; a stored file's key completes the path. */
export const AVATAR_ROUTE_PREFIX = '/files/avatars/';

export function avatarUrl(storageKey: string | null | undefined): string | null {
  return storageKey ? `${AVATAR_ROUTE_PREFIX}${storageKey}` : null;
}
