import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  type ArgumentNode,
  type DocumentNode,
  type FieldNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type ParseOptions,
  TypeInfo,
  validate,
  type ValidationRule,
  type ValueNode,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Config } from '../config';
import { STATUS_BY_CODE } from '../shared/errors';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './connection';

/**
 * The depth of the introspection query graphql-js and Apollo Sandbox send (fragments flattened):
 * `__schema` selections may reach it where introspection is on, and no further.
 */
const INTROSPECTION_DEPTH = 15;

type ArmorConfig = NonNullable<ConstructorParameters<typeof ApolloArmor>[0]>;

const ALL_OFF: ArmorConfig = {
  blockFieldSuggestion: { enabled: false },
  maxTokens: { enabled: false },
  costLimit: { enabled: false },
  maxAliases: { enabled: false },
  maxDepth: { enabled: false },
  maxDirectives: { enabled: false },
};

export interface OperationLimits {
  validationRules: ValidationRule[];
  plugins: ApolloServerPlugin[];
  parseOptions: ParseOptions;
  /** The cost refusal (or null) of a document with these variables, for transports outside Apollo (subscriptions). */
  costRefusal: (document: DocumentNode, variables: Record<string, unknown>) => string | null;
}

/**
 * The limits on every operation, REST documents included (they run through the same server):
 * graphql-armor's depth, aliases, directives and cost, and the parser's token count. Fragments
 * count as what they expand to, and nothing is exempt for being introspection: an operation named
 * `IntrospectionQuery` is counted like any other, and `__schema` selections (aliased or not) get
 * only the depth the introspection query needs. Every refusal is a 400 BAD_USER_INPUT.
 */
export function operationLimits(
  schema: GraphQLSchema,
  limits: Config['graphqlLimits'],
  { introspection }: { introspection: boolean },
): OperationLimits {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    // graphql-armor's token plugin parses in a hook where any error, a syntax error included, becomes a 500;
    // graphql-js's own parser stops at the same count and Apollo answers 400 (see `parseOptions`).
    maxTokens: { enabled: false },
    // Counted by `pageSizedCost` below, which knows the request's variables.
    costLimit: { enabled: false },
    // Where introspection is off, "did you mean" must not describe the schema either.
    blockFieldSuggestion: { enabled: !introspection },
  }).protect();
  const introspectionDepth = new ApolloArmor({
    ...ALL_OFF,
    maxDepth: { n: Math.max(INTROSPECTION_DEPTH, limits.maxDepth), flattenFragments: true, ignoreIntrospection: false },
  }).protect();
  const [costRule] = new ApolloArmor({
    ...ALL_OFF,
    costLimit: { maxCost: limits.maxCost, flattenFragments: true, ignoreIntrospection: false },
  }).protect().validationRules;
  const costRefusal = pageSizedCostRefusal(schema, costRule);
  return {
    validationRules: [...armor.validationRules, ...(introspection ? introspectionDepth.validationRules : [])],
    plugins: [...armor.plugins, pageSizedCost(costRefusal)],
    parseOptions: { maxTokens: limits.maxTokens },
    costRefusal,
  };
}

/** Enough for every page size a client varies; past it the verdicts of a document start over. */
const VERDICTS_PER_DOCUMENT = 64;

interface CostPlan {
  /** The `first` (else `last`) of each connection field in the document, in document order (`undefined`: not given). */
  pageSizeArguments: (ValueNode | undefined)[];
  /** Refusal message (or null) by the page sizes the request's variables give. */
  verdicts: Map<string, string | null>;
}

/**
 * graphql-armor's cost multiplies a connection's cost by its `first` only when `first` is written
 * in the document; a client would pass it as a variable, or leave it out, to look cheap. The cost
 * is therefore counted once the operation is known, on the document with every page size written
 * out as what the connection will return. The verdict depends only on the document and those page
 * sizes, so it is kept per document (Apollo hands back the same parsed document for the same text).
 */
function pageSizedCostRefusal(
  schema: GraphQLSchema,
  costRule: ValidationRule,
): (document: DocumentNode, variables: Record<string, unknown>) => string | null {
  const plans = new WeakMap<DocumentNode, CostPlan>();
  return (document, variables) => {
    let plan = plans.get(document);
    if (!plan) {
      plan = { pageSizeArguments: pageSizeArguments(schema, document), verdicts: new Map() };
      plans.set(document, plan);
    }
    const pageSizes = plan.pageSizeArguments.map((value) => pageSize(value, variables));
    const key = pageSizes.join(',');
    let refusal = plan.verdicts.get(key);
    if (refusal === undefined) {
      refusal = validate(schema, withPageSizes(schema, document, pageSizes), [costRule])[0]?.message ?? null;
      if (plan.verdicts.size >= VERDICTS_PER_DOCUMENT) plan.verdicts.clear();
      plan.verdicts.set(key, refusal);
    }
    return refusal;
  };
}

function pageSizedCost(
  refusalOf: (document: DocumentNode, variables: Record<string, unknown>) => string | null,
): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const refusal = refusalOf(document, request.variables ?? {});
          if (refusal) {
            throw new GraphQLError(refusal, {
              extensions: { code: 'BAD_USER_INPUT', http: { status: STATUS_BY_CODE.BAD_USER_INPUT } },
            });
          }
        },
      };
    },
  };
}

/**
 * Visits the fields that take a `first` (connections) in document order, with the page size they
 * were given: their `first`, else their `last` (a connection refuses both at once).
 */
function visitConnectionFields(
  schema: GraphQLSchema,
  document: DocumentNode,
  onField: (node: FieldNode, given: ArgumentNode | undefined) => FieldNode | undefined,
): DocumentNode {
  const typeInfo = new TypeInfo(schema);
  return visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const given = (name: string) => node.arguments?.find((argument) => argument.name.value === name);
        // Federation's `_entities` answers one entity per representation: a page of that many.
        if (node.name.value === '_entities' && typeInfo.getParentType() === schema.getQueryType()) {
          return onField(node, given('representations'));
        }
        if (!typeInfo.getFieldDef()?.args.some((arg) => arg.name === 'first')) return undefined;
        return onField(node, given('first') ?? given('last'));
      },
    }),
  );
}

function pageSizeArguments(schema: GraphQLSchema, document: DocumentNode): (ValueNode | undefined)[] {
  const values: (ValueNode | undefined)[] = [];
  visitConnectionFields(schema, document, (_node, given) => {
    values.push(given?.value);
    return undefined;
  });
  return values;
}

/**
 * The document with the page size of its n-th connection field written out as its `first`,
 * `pageSizes[n]`, and no `last`: graphql-armor counts only the first of the two it meets.
 */
function withPageSizes(schema: GraphQLSchema, document: DocumentNode, pageSizes: number[]): DocumentNode {
  let index = 0;
  return visitConnectionFields(schema, document, (node) => {
    const first: ArgumentNode = {
      kind: Kind.ARGUMENT,
      name: { kind: Kind.NAME, value: 'first' },
      value: { kind: Kind.INT, value: String(pageSizes[index++]) },
    };
    const others = (node.arguments ?? []).filter((argument) => !['first', 'last'].includes(argument.name.value));
    return { ...node, arguments: [...others, first] };
  });
}

/**
 * The rows a connection can return: its `first` or `last`, at most the cap (a larger one is refused
 * by the connection itself, with an error that names it), or the default page size without one.
 */
function pageSize(value: ValueNode | undefined, variables: Record<string, unknown>): number {
  const argument =
    value?.kind === Kind.INT
      ? Number(value.value)
      : value?.kind === Kind.LIST
        ? value.values.length
        : value?.kind === Kind.VARIABLE
          ? variables[value.name.value]
          : undefined;
  // `_entities`' representations: as many entities as they hold.
  const given = Array.isArray(argument) ? argument.length : argument;
  return typeof given === 'number' && Number.isSafeInteger(given)
    ? Math.min(Math.max(given, 0), MAX_PAGE_SIZE)
    : DEFAULT_PAGE_SIZE;
}
