/** The label of an operation without a name. */
export const ANONYMOUS_OPERATION = 'anonymous';
/** The label of the names that may not have one of their own: unknown to the trusted documents, or past the cap. */
export const OTHER_OPERATION = 'other';

export interface OperationNameRules {
  /** Always labelled as themselves: the names of the REST layer's documents and of the trusted documents. */
  known: ReadonlySet<string>;
  /** Trusted documents are enforced (GRAPHQL_TRUSTED_DOCUMENTS): every unknown name is `other`. */
  onlyKnown: boolean;
  /** Otherwise, how many unknown names get a label of their own, first come first served (METRICS_OPERATION_NAMES). */
  max: number;
}

/**
 * Bounds the operation label: a client chooses its operation names, and each distinct label is a
 * series Prometheus keeps. The known names are a fixed set; beyond them the first `max` names
 * seen keep their label and the rest share `other`.
 */
export class OperationNameLabels {
  private readonly seen = new Set<string>();

  constructor(private readonly rules: OperationNameRules) {}

  labelOf(name: string | null | undefined): string {
    if (!name) return ANONYMOUS_OPERATION;
    const { known, onlyKnown, max } = this.rules;
    if (known.has(name) || this.seen.has(name)) return name;
    if (onlyKnown || this.seen.size >= max) return OTHER_OPERATION;
    this.seen.add(name);
    return name;
  }
}
