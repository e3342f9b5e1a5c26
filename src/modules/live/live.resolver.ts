import { Arg, ID, Resolver, Root, Subscription } from 'type-graphql';
import type { SubscribeResolverData } from 'type-graphql';
import { parseId } from '../../shared/ids';
import type { PublishedEvent } from '../events/event-bus';
import { ImportFile } from '../import/import-file.entity';
import type { RequestContext } from '../request-context';
import { DomainEvent } from './domain-event.types';
import type { LivePayload } from './live-session';
import { domainEventStream, eventTypesFilter, importProgressStream } from './live-streams';

type Subscribed<Args> = SubscribeResolverData<unknown, Args, RequestContext>;

/** Live updates, over graphql-ws (WebSocket on /graphql) and graphql-sse (/graphql/stream). */
@Resolver()
export class LiveResolver {
  @Subscription(() => ImportFile, {
    nullable: true,
    description:
      'For managers and above of its company, as `importFile`: the import now, then after every committed batch; ' +
      'completes once it is completed or failed.',
    subscribe: ({ args, context }: Subscribed<{ id: string }>) => importProgressStream(context, parseId(args.id, 'id')),
  })
  importProgress(@Root() payload: LivePayload<ImportFile>, @Arg('id', () => ID) _id: string): ImportFile {
    return payload.unwrap();
  }

  @Subscription(() => DomainEvent, {
    nullable: true,
    description:
      'For admins of the company: the domain events of the company and of its descendants as they commit, ' +
      'of the given `types` only when given (unknown types: BAD_USER_INPUT).',
    subscribe: ({ args, context }: Subscribed<{ companyId: string; types?: string[] | null }>) =>
      domainEventStream(context, parseId(args.companyId, 'companyId'), eventTypesFilter(args.types)),
  })
  events(
    @Root() payload: LivePayload<PublishedEvent>,
    @Arg('companyId', () => ID) _companyId: string,
    @Arg('types', () => [String], { nullable: true }) _types?: string[],
  ): DomainEvent {
    return DomainEvent.of(payload.unwrap());
  }
}
