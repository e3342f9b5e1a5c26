/** The domain events other systems and live clients hear about (issue: events, webhooks, live updates). */
export const DOMAIN_EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'access.granted',
  'access.revoked',
  'company.created',
  'invitation.created',
  'invitation.accepted',
  'invitation.revoked',
  'import.completed',
  'import.failed',
] as const;

export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

/** A committed domain event, as subscribers receive it. */
export interface PublishedEvent {
  id: number;
  type: DomainEventType;
  /** The company whose tree may hear it (null: only super_admins). */
  companyId: number | null;
  occurredAt: Date;
  /** The object as the graph would return it to a super_admin, without secrets. */
  payload: Record<string, unknown>;
}

/** A batch of a running import was committed: its counters moved (not stored, only announced). */
export interface ImportProgressSignal {
  importFileId: number;
}

/**
 * What committed in any gateway process on the database, delivered to this process's listeners
 * after the commit (PostgreSQL LISTEN/NOTIFY on a server; the embedded database's own
 * notifications in-process). Listeners must not throw; delivery is at most once per process.
 */
export interface EventBus {
  onEvent(listener: (event: PublishedEvent) => void): () => void;
  /** Domain events committed (in any process), without reading them: a wake-up for whoever reads the outbox itself. */
  onEventsCommitted(listener: () => void): () => void;
  onImportProgress(listener: (signal: ImportProgressSignal) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
