import type { EventSubscriber, FlushEventArgs } from '@mikro-orm/core';
import { isReadModel } from './read-models';

/**
 * Read models are not managed entities: MikroORM would take one handed to `persist`, `remove` or a
 * relation of a new entity for a new row (or a stranger), so a write accepting one by mistake would
 * insert a duplicate or delete the wrong way. Every flush refuses them before anything is sent.
 * Writes reference rows by id, or load the entity with the EntityManager they write with.
 */
export class ReadModelGuard implements EventSubscriber {
  onFlush({ uow }: FlushEventArgs): void {
    for (const changeSet of uow.getChangeSets()) {
      if (isReadModel(changeSet.entity)) {
        throw new Error(
          `a read model of ${changeSet.name} was handed to a write: reference it by id, or load it with the EntityManager that writes`,
        );
      }
    }
  }
}
