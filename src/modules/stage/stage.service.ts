import type { RequestContext } from '../request-context';
import { Stage } from './stage.entity';

export class StageService {
  constructor(private readonly ctx: RequestContext) {}

  list(): Promise<Stage[]> {
    this.ctx.requireViewer();
    return this.ctx.em.find(Stage, {}, { orderBy: { position: 'asc' } });
  }
}
