import { z } from 'zod';
import { ACCESS_FIELDS, LEGAL_TERM_FIELDS, MEMBERSHIP_FIELDS, STAGE_FIELDS } from '../fragments';
import { AccessJson, LegalTermJson, MembershipJson, StageJson } from '../legacy-objects';
import { presentAccess, presentLegalTerm, presentMembership, presentStage } from '../presenters';
import { notFound } from '../../shared/errors';
import { defineRoute, idParam } from '../rest-route';

/** Reference data: stages, accesses, memberships and legal terms. */
export const referenceRoutes = [
  defineRoute({
    name: 'List stages',
    method: 'GET',
    path: '/stages',
    auth: 'token',
    document: `query ListStages { stages { ...LegacyStage } } ${STAGE_FIELDS}`,
    variables: () => ({}),
    present: ({ stages }) => ({ stages: stages.map(presentStage) }),
    status: 200,
    response: z.object({ stages: z.array(StageJson) }),
    errors: [401],
  }),
  defineRoute({
    name: 'List all available accesses',
    method: 'GET',
    path: '/accesses',
    auth: 'token',
    document: `query ListAccesses { accesses { ...LegacyAccess } } ${ACCESS_FIELDS}`,
    variables: () => ({}),
    present: ({ accesses }) => ({ accesses: accesses.map(presentAccess) }),
    status: 200,
    response: z.object({ accesses: z.array(AccessJson) }),
    errors: [401],
  }),
  defineRoute({
    name: 'List access by id',
    method: 'GET',
    path: '/accesses/:id',
    auth: 'token',
    params: idParam(),
    document: `query ShowAccess($id: ID!) { access(id: $id) { ...LegacyAccess } } ${ACCESS_FIELDS}`,
    variables: ({ params }) => ({ id: String(params.id) }),
    present: ({ access }) => ({ access: presentAccess(access) }),
    status: 200,
    response: z.object({ access: AccessJson }),
    errors: [401, 404],
  }),
  defineRoute({
    name: 'List available memberships',
    method: 'GET',
    path: '/memberships',
    auth: 'token',
    document: `query ListMemberships { memberships { ...LegacyMembership } } ${MEMBERSHIP_FIELDS}`,
    variables: () => ({}),
    present: ({ memberships }) => ({ memberships: memberships.map(presentMembership) }),
    status: 200,
    response: z.object({ memberships: z.array(MembershipJson) }),
    errors: [401],
  }),
  defineRoute({
    name: 'Info of a membership',
    method: 'GET',
    path: '/memberships/:id',
    auth: 'token',
    params: idParam(),
    document: `query ShowMembership($id: ID!) { membership(id: $id) { ...LegacyMembership } } ${MEMBERSHIP_FIELDS}`,
    variables: ({ params }) => ({ id: String(params.id) }),
    present: ({ membership }) => ({ membership: presentMembership(membership) }),
    status: 200,
    response: z.object({ membership: MembershipJson }),
    errors: [401, 404],
  }),
  defineRoute({
    name: 'Current available for signature',
    method: 'GET',
    path: '/legal_terms/current',
    auth: 'public',
    document: `query CurrentLegalTerm { currentLegalTerm { ...LegacyLegalTerm } } ${LEGAL_TERM_FIELDS}`,
    variables: () => ({}),
    present: ({ currentLegalTerm }) => {
      if (!currentLegalTerm) throw notFound('published legal term');
      return { legal_term: presentLegalTerm(currentLegalTerm) };
    },
    status: 200,
    response: z.object({ legal_term: LegalTermJson }),
    errors: [404],
  }),
  defineRoute({
    name: 'Get legal terms per id',
    method: 'GET',
    path: '/legal_terms/:id',
    auth: 'public',
    params: idParam(),
    document: `query ShowLegalTerm($id: ID!) { legalTerm(id: $id) { ...LegacyLegalTerm } } ${LEGAL_TERM_FIELDS}`,
    variables: ({ params }) => ({ id: String(params.id) }),
    present: ({ legalTerm }) => ({ legal_term: presentLegalTerm(legalTerm) }),
    status: 200,
    response: z.object({ legal_term: LegalTermJson }),
    errors: [404],
  }),
];
