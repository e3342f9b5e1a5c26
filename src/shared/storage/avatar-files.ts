import { randomBytes } from 'node:crypto';
import { type EntityClass, type FilterQuery, LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound } from '../errors';
import { type FileInputArgs, MIB, readFileInput } from '../files/file-input';
import { assertSupportedImage } from '../files/image-type';
import type { Logger } from '../logger';
import type { FileStorage } from './file-storage';

export const MAX_AVATAR_BYTES = 5 * MIB;

export type AvatarOwnerKind = 'users' | 'companies';

/** `users/<id>/<128 random bits>.<ext>`: unguessable and never reused, so it can be cached forever. */
const AVATAR_KEY = /^(?:users|companies)\/[1-9]\d{0,14}\/[0-9a-f]{32}\.(?:png|jpg|webp|gif)$/;

export function isAvatarKey(key: string): boolean {
  return AVATAR_KEY.test(key);
}

interface AvatarDeps {
  storage: FileStorage;
  logger: Logger;
}

/** A row whose avatar can be swapped: its key is read and replaced under a row lock. */
type AvatarHolder = { id: number; avatarKey?: string | null };

/**
 * Runs in the transaction that swaps the key, only when the key changes (the caller's audit event,
 * which must commit or roll back with the change).
 */
export type AvatarSwapped = (tx: EntityManager, keys: { previous: string | null; next: string | null }) => Promise<void>;

/**
 * Stores an uploaded image as the avatar of `owner`: the bytes must be a supported image (their
 * own signature decides the stored type), the row then points at the new file, and only after
 * that has committed is the previous file deleted. When the row update fails, the new file goes.
 */
export async function replaceAvatar<T extends AvatarHolder>(
  deps: AvatarDeps,
  em: EntityManager,
  owner: { kind: AvatarOwnerKind; entity: EntityClass<T>; id: number },
  input: FileInputArgs,
  swapped: AvatarSwapped,
): Promise<void> {
  const received = await readFileInput(input, { maxBytes: MAX_AVATAR_BYTES });
  const image = assertSupportedImage(received.bytes);
  const key = `${owner.kind}/${owner.id}/${randomBytes(16).toString('hex')}.${image.extension}`;
  await deps.storage.put(key, received.bytes, image.contentType);
  let previous: string | null;
  try {
    previous = await swapAvatarKey(em, owner.entity, owner.id, key, swapped);
  } catch (error) {
    await deleteQuietly(deps, key);
    throw error;
  }
  if (previous) await deleteQuietly(deps, previous);
}

/** Clears the avatar of a row, then deletes its file. */
export async function removeAvatar<T extends AvatarHolder>(
  deps: AvatarDeps,
  em: EntityManager,
  owner: { entity: EntityClass<T>; id: number },
  swapped: AvatarSwapped,
): Promise<void> {
  const previous = await swapAvatarKey(em, owner.entity, owner.id, null, swapped);
  if (previous) await deleteQuietly(deps, previous);
}

/**
 * Sets the row's avatar key and returns the one it replaced, read under a row lock so two
 * concurrent uploads cannot both believe they replaced the same file.
 */
async function swapAvatarKey<T extends AvatarHolder>(
  em: EntityManager,
  entity: EntityClass<T>,
  id: number,
  key: string | null,
  swapped: AvatarSwapped,
): Promise<string | null> {
  return em.transactional(async (tx) => {
    const row = await tx.findOne(entity, { id } as FilterQuery<T>, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!row) throw notFound(entity.name.toLowerCase(), id);
    const previous = row.avatarKey ?? null;
    row.avatarKey = key;
    if (previous !== key) await swapped(tx, { previous, next: key });
    return previous;
  });
}

/** A file left behind costs disk space, not correctness: log it and carry on. */
async function deleteQuietly(deps: AvatarDeps, key: string): Promise<void> {
  try {
    await deps.storage.delete(key);
  } catch (error) {
    deps.logger.warn({ err: error, key }, 'could not delete a stored file');
  }
}
