/**
 * The fixed selection sets the REST routes read: one fragment per legacy object, selecting exactly
 * what its presenter needs.
 */
export const USER_FIELDS = `fragment LegacyUser on User {
  id firstName lastName email status fullName avatarUrl onboardingCompletedAt createdAt updatedAt
  primaryAccess { id company { id } access { id name } }
  primaryCompany { id name isDefault parentCompanyId }
}`;

export const USER_ACCESS_FIELDS = `fragment LegacyUserAccess on UserAccess {
  id primary user { id } company { id } access { id name }
}`;

export const COMPANY_FIELDS = `fragment LegacyCompany on Company {
  id name isDefault avatarUrl createdAt parentCompanyId membership { id }
}`;

export const ACCESS_FIELDS = 'fragment LegacyAccess on Access { id key name description }';

export const MEMBERSHIP_FIELDS =
  'fragment LegacyMembership on Membership { id name description maxUsers priceCents currency features }';

export const STAGE_FIELDS = 'fragment LegacyStage on Stage { id name position }';

export const LEGAL_TERM_FIELDS = 'fragment LegacyLegalTerm on LegalTerm { id version title body publishedAt }';

export const INVITATION_FIELDS = `fragment LegacyInvitation on Invitation {
  id email status expiresAt createdAt company { id } access { id } invitedBy { id }
}`;

export const IMPORT_FILE_FIELDS = `fragment LegacyImportFile on ImportFile {
  id name status totalRows processedRows createdCount failedCount createdAt startedAt finishedAt
  company { id } errors { row field message }
}`;

export const API_KEY_FIELDS = `fragment LegacyApiKey on ApiKey {
  id name prefix createdAt lastUsedAt expiresAt revokedAt company { id } access { id } createdBy { id }
}`;

export const AUDIT_EVENT_FIELDS = `fragment LegacyAuditEvent on AuditEvent {
  id occurredAt action targetType targetId actorApiKeyId changes requestId clientIp userAgent company { id } actorUser { id }
}`;

/** The connection fields every list route selects, around a node fragment. */
export const connectionOf = (spread: string) => `totalCount edges { node { ...${spread} } }`;
