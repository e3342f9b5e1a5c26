import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Runs `work` in a transaction. A unique index it runs into means a concurrent request wrote first:
 * that is answered with `raceLost()`, the error the caller gives when it loses such a race.
 */
export async function transactionalOrRaceLost<T>(
  em: EntityManager,
  work: (tx: EntityManager) => Promise<T>,
  raceLost: () => Error,
): Promise<T> {
  try {
    return await em.transactional(work);
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) throw raceLost();
    throw error;
  }
}
