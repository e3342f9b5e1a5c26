import { Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../request-context';
import { Stage } from './stage.entity';

@Resolver(() => Stage)
export class StageResolver {
  @Query(() => [Stage], { description: 'The stages of a lead, in order.' })
  stages(@Ctx() ctx: RequestContext): Promise<Stage[]> {
    return ctx.services.stages.list();
  }
}
