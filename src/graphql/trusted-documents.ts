import { createHash } from 'node:crypto';
import { Kind, parse } from 'graphql';
import { badInput, DomainError } from '../shared/errors';

/**
 * A manifest of documents in the format of `@graphql-codegen/client-preset`'s
 * `persisted-documents.json`: document id → document text.
 */
export type DocumentManifest = Record<string, string>;

/** client-preset's default id of a document, and Apollo's APQ hash: the sha256 hex of its text. */
export function documentId(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The manifest of `texts` under their default ids, sorted by id so that a diff shows only real changes. */
export function manifestOf(texts: Iterable<string>): DocumentManifest {
  const entries = [...new Set(texts)].map((text) => [documentId(text), text] as const);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The documents the gateway knows by id, and whether it runs nothing else. Known: the REST layer's
 * own documents, always, and the operator's manifest (GRAPHQL_TRUSTED_DOCUMENTS). With a manifest,
 * only these documents run, on every transport; without one, every valid operation runs and the
 * ids of the REST documents still resolve.
 */
export class TrustedDocuments {
  /** Whether an operation outside the known documents is refused: a manifest is configured. */
  readonly enforced: boolean;
  private readonly textById = new Map<string, string>();
  private readonly texts = new Set<string>();
  private readonly names = new Set<string>();

  constructor(manifest: DocumentManifest | undefined, restDocuments: readonly string[]) {
    this.enforced = manifest !== undefined;
    for (const [id, text] of [...Object.entries(manifestOf(restDocuments)), ...Object.entries(manifest ?? {})]) {
      this.textById.set(id, text);
      if (this.texts.has(text)) continue;
      this.texts.add(text);
      for (const definition of parse(text, { noLocation: true }).definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) this.names.add(definition.name.value);
      }
    }
  }

  /** The text of the document known by `id`. */
  textOf(id: string): string | undefined {
    return this.textById.get(id);
  }

  /** Why `text` may not run (OPERATION_NOT_TRUSTED), or undefined when it may. */
  refusal(text: string): DomainError | undefined {
    if (!this.enforced || this.texts.has(text)) return undefined;
    return new DomainError(
      'OPERATION_NOT_TRUSTED',
      'only trusted documents run here: send the id or the exact text of a document of the manifest',
    );
  }

  /** The names of the known operations (the manifest's and REST's), e.g. to bound a metric's labels. */
  operationNames(): ReadonlySet<string> {
    return this.names;
  }
}

/** What a request names its document by instead of sending its text, and how. */
export interface DocumentReference {
  id: string;
  /** GraphQL-over-HTTP's `documentId` (client-preset's persisted documents), or Apollo's APQ hash. */
  via: 'documentId' | 'apq';
}

export interface OperationRequest {
  query?: unknown;
  documentId?: unknown;
  extensions?: unknown;
}

/**
 * The id a request names its document by, if it sends no text; a BAD_USER_INPUT error when its
 * `documentId` is not a string or comes with a `query`. An APQ hash sent with its text names nothing
 * here: Apollo checks the hash and registers the text.
 */
export function documentReference({
  query,
  documentId,
  extensions,
}: OperationRequest): DocumentReference | DomainError | undefined {
  const withoutText = query === undefined || query === null || query === '';
  if (documentId !== undefined && documentId !== null) {
    if (typeof documentId !== 'string' || documentId === '') return badInput('documentId must be a non-empty string');
    if (!withoutText) return badInput('send either documentId or query, not both');
    return { id: documentId, via: 'documentId' };
  }
  const persisted = (extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | null | undefined)
    ?.persistedQuery;
  if (!withoutText || persisted?.version !== 1 || typeof persisted.sha256Hash !== 'string') return undefined;
  return { id: persisted.sha256Hash, via: 'apq' };
}

/** An id no known document has; the message quotes at most the start of what the client sent. */
export function persistedQueryNotFound(id: string): DomainError {
  return new DomainError('PERSISTED_QUERY_NOT_FOUND', `no trusted document has the id ${JSON.stringify(id.slice(0, 80))}`);
}
