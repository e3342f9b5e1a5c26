import { z } from 'zod';
import { ACCESS_FIELDS, LEGAL_TERM_FIELDS, MEMBERSHIP_FIELDS, STAGE_FIELDS } from '../fragments';
import { AccessJson, LegalTermJson, MembershipJson, StageJson } from '../legacy-objects';
import { presentAccess, presentLegalTerm, presentMembership, presentStage } from '../presenters';
import { notFound } from '../../shared/errors';
import { byIdRoute, plainGetRoute } from '../route-factories';

/** Reference data: stages, accesses, memberships and legal terms. */
export const referenceRoutes = [
  plainGetRoute('List stages', '/stages', {
    document: `query ListStages { stages { ...LegacyStage } } ${STAGE_FIELDS}`,
    present: ({ stages }) => ({ stages: stages.map(presentStage) }),
    response: z.object({ stages: z.array(StageJson) }),
    errors: [401],
  }),
  plainGetRoute('List all available accesses', '/accesses', {
    document: `query ListAccesses { accesses { ...LegacyAccess } } ${ACCESS_FIELDS}`,
    present: ({ accesses }) => ({ accesses: accesses.map(presentAccess) }),
    response: z.object({ accesses: z.array(AccessJson) }),
    errors: [401],
  }),
  byIdRoute('List access by id', 'GET', '/accesses/:id', {
    document: `query ShowAccess($id: ID!) { access(id: $id) { ...LegacyAccess } } ${ACCESS_FIELDS}`,
    present: ({ access }) => ({ access: presentAccess(access) }),
    response: z.object({ access: AccessJson }),
    errors: [401, 404],
  }),
  plainGetRoute('List available memberships', '/memberships', {
    document: `query ListMemberships { memberships { ...LegacyMembership } } ${MEMBERSHIP_FIELDS}`,
    present: ({ memberships }) => ({ memberships: memberships.map(presentMembership) }),
    response: z.object({ memberships: z.array(MembershipJson) }),
    errors: [401],
  }),
  byIdRoute('Info of a membership', 'GET', '/memberships/:id', {
    document: `query ShowMembership($id: ID!) { membership(id: $id) { ...LegacyMembership } } ${MEMBERSHIP_FIELDS}`,
    present: ({ membership }) => ({ membership: presentMembership(membership) }),
    response: z.object({ membership: MembershipJson }),
    errors: [401, 404],
  }),
  plainGetRoute('Current available for signature', '/legal_terms/current', {
    auth: 'public',
    document: `query CurrentLegalTerm { currentLegalTerm { ...LegacyLegalTerm } } ${LEGAL_TERM_FIELDS}`,
    present: ({ currentLegalTerm }) => {
      if (!currentLegalTerm) throw notFound('published legal term');
      return { legal_term: presentLegalTerm(currentLegalTerm) };
    },
    response: z.object({ legal_term: LegalTermJson }),
    errors: [404],
  }),
  byIdRoute('Get legal terms per id', 'GET', '/legal_terms/:id', {
    auth: 'public',
    document: `query ShowLegalTerm($id: ID!) { legalTerm(id: $id) { ...LegacyLegalTerm } } ${LEGAL_TERM_FIELDS}`,
    present: ({ legalTerm }) => ({ legal_term: presentLegalTerm(legalTerm) }),
    response: z.object({ legal_term: LegalTermJson }),
    errors: [404],
  }),
];
