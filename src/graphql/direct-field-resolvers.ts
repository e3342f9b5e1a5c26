import type { GraphQLFieldResolver, GraphQLObjectType, GraphQLSchema } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { performanceTrickOn } from '../config';
import type { RequestContext } from '../modules/request-context';

type FieldMethod = (...params: unknown[]) => unknown;
type FieldResolver = GraphQLFieldResolver<unknown, RequestContext>;

/** Every resolver `callFieldResolversDirectly` installed: how the guard test tells them from type-graphql's. */
const installed = new WeakSet<FieldResolver>();

export function isDirectFieldResolver(resolve: unknown): boolean {
  return typeof resolve === 'function' && installed.has(resolve as FieldResolver);
}

/**
 * type-graphql calls each `@FieldResolver` through its middleware and validation pipeline, which,
 * with nothing to run, still sorts the parameter list and allocates on every call: a fifth of the
 * garbage of a 100-user list, measured. The gateway has no middleware and no auth checker, so a
 * field resolver whose parameters are only `@Root()`, `@Ctx()` and `@Info()` is called directly.
 * One with `@Arg` parameters keeps type-graphql's pipeline, which converts its arguments. Roots are
 * never converted: they are read models or entities, instances of their type already.
 * `PERFORMANCE_TRICKS_OFF=direct-field-resolvers` leaves every field to type-graphql's pipeline.
 */
export function callFieldResolversDirectly(schema: GraphQLSchema): void {
  if (!performanceTrickOn('direct-field-resolvers')) return;
  const storage = getMetadataStorage();
  const instances = new Map<object, Record<string, FieldMethod>>();
  for (const resolver of storage.fieldResolvers) {
    if (resolver.kind !== 'external' || resolver.middlewares?.length || resolver.roles?.length) continue;
    const params = [...(resolver.params ?? [])].sort((a, b) => a.index - b.index);
    const direct = params.every(
      (param) =>
        (param.kind === 'root' || param.kind === 'context' || param.kind === 'info') &&
        !('propertyName' in param && param.propertyName),
    );
    const typeName = storage.objectTypes.find((type) => type.target === resolver.getObjectType?.())?.name;
    if (!direct || !typeName) continue;
    let instance = instances.get(resolver.target);
    if (!instance) instances.set(resolver.target, (instance = new (resolver.target as new () => Record<string, FieldMethod>)()));
    const field = (schema.getType(typeName) as GraphQLObjectType).getFields()[resolver.schemaName];
    field.resolve = directCall(
      instance,
      resolver.methodName,
      params.map((param) => param.kind),
    );
    installed.add(field.resolve);
  }
}

/** The two shapes every hot resolver has get a call without an argument array per field; others map their kinds. */
function directCall(instance: Record<string, FieldMethod>, methodName: string, kinds: string[]): FieldResolver {
  const method = instance[methodName];
  switch (kinds.join(',')) {
    case 'root':
      return (root) => method.call(instance, root);
    case 'root,context':
      return (root, _args, context) => method.call(instance, root, context);
    default:
      return (root, _args, context, info) =>
        method.apply(
          instance,
          kinds.map((kind) => (kind === 'root' ? root : kind === 'context' ? context : info)),
        );
  }
}
