import { buildSchema, type ExecutionResult, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { compiledExecution } from '../src/graphql/compiled-execution';
import { useTestWorld } from './helpers/setup';
import { login } from './helpers/documents';
import { holdNextStagesList } from './helpers/held-stages';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

describe('query admission in the executor: one query at a time, one waiting', () => {
  /** The queries named here hold their slot until their promise resolves. */
  const holds = new Map([
    ['first', deferred()],
    ['holder', deferred()],
  ]);
  const resolved: string[] = [];
  const schema = buildSchema('type Query { slow: String } type Mutation { quick: String }');
  Object.assign(schema.getQueryType()!.getFields().slow, {
    resolve: async (_root: unknown, _args: unknown, context: { name: string }) => {
      resolved.push(context.name);
      await holds.get(context.name)?.promise;
      return context.name;
    },
  });
  Object.assign(schema.getMutationType()!.getFields().quick, {
    resolve: (_root: unknown, _args: unknown, context: { name: string }) => {
      resolved.push(context.name);
      return 'done';
    },
  });
  const host = compiledExecution(schema, { concurrent: 1, queued: 1 });

  const execute = async (text: string, name: string, clientGone = () => false): Promise<ExecutionResult> => {
    const { executor } = await host!.load({ apollo: {} as never });
    const document = parse(text);
    const operation = document.definitions.find(
      (node): node is OperationDefinitionNode => node.kind === Kind.OPERATION_DEFINITION,
    );
    const context = { name, request: { clientGone } };
    return (await executor!({ document, operationName: null, operation, context, request: {} } as never)) as ExecutionResult;
  };

  it('queues the second query, refuses the third, lets mutations through and skips a query whose client left', async () => {
    const first = execute('{ slow }', 'first');
    await until(() => resolved.includes('first'));
    const queued = execute('{ slow }', 'queued');
    // The queue holds one: the next query is refused at once, as busy, with a short Retry-After.
    const refused = await execute('{ slow }', 'refused');
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0].message).toBe('the gateway is busy, retry shortly');
    expect(refused.errors?.[0].originalError).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfter: 1 });
    // Mutations do not wait for the query that holds the slot.
    expect(await execute('mutation { quick }', 'mutation')).toEqual({ data: { quick: 'done' } });
    expect(resolved).toEqual(['first', 'mutation']);

    holds.get('first')!.resolve();
    expect(await first).toEqual({ data: { slow: 'first' } });
    expect(await queued).toEqual({ data: { slow: 'queued' } });

    // A query whose client went away while it waited is not executed when its turn comes.
    const holder = execute('{ slow }', 'holder');
    await until(() => resolved.includes('holder'));
    let clientGone = false;
    const abandoned = execute('{ slow }', 'abandoned', () => clientGone);
    clientGone = true;
    holds.get('holder')!.resolve();
    expect(await holder).toEqual({ data: { slow: 'holder' } });
    expect((await abandoned).errors?.[0].originalError).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(resolved).toEqual(['first', 'mutation', 'queued', 'holder']);
  });
});

describe('query admission over HTTP (GRAPHQL_CONCURRENT_QUERIES=1, GRAPHQL_QUEUED_QUERIES=0)', () => {
  const { app, world } = useTestWorld({ GRAPHQL_CONCURRENT_QUERIES: '1', GRAPHQL_QUEUED_QUERIES: '0' });

  it('answers a query past the limit with 503 and Retry-After on both transports, and serves mutations meanwhile', async () => {
    const held = holdNextStagesList();
    try {
      const token = world.token('eastMember');
      const first = app.graphql('{ stages { id name } }', {}, token);
      await until(() => held.calls() === 1);

      const busy = await app.graphql('{ me { id } }', {}, token);
      expect(busy.status).toBe(503);
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(busy.body).toEqual({
        errors: [
          expect.objectContaining({
            message: 'the gateway is busy, retry shortly',
            extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 1 },
          }),
        ],
      });
      const rest = await app.request('GET', '/api/v1/stages', { headers: { authorization: `Bearer ${token}` } });
      expect(rest.status).toBe(503);
      expect(rest.headers.get('retry-after')).toBe('1');
      expect(rest.body.error.code).toBe('SERVICE_UNAVAILABLE');

      const refused = await login(app, 'nobody@example.com', 'wrong password 123');
      expect(refused.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');

      held.release();
      const answered = await first;
      expect(answered.status).toBe(200);
      expect(answered.body.data.stages.length).toBeGreaterThan(0);
      // The slot is free again.
      expect((await app.graphql('{ me { id } }', {}, token)).body.data.me.id).toBe(String(world.users.eastMember.id));
    } finally {
      held.release();
    }
  });
});
