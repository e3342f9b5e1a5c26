import { z } from 'zod';
import { USER_FIELDS } from '../fragments';
import { UserJson } from '../legacy-objects';
import { presentUser } from '../presenters';
import { defineRoute } from '../rest-route';

export const onboardingRoutes = [
  defineRoute({
    name: 'Mark as completed the onboarding',
    method: 'PUT',
    path: '/onboarding/complete',
    auth: 'token',
    document: `mutation CompleteOnboarding { completeOnboarding { ...LegacyUser } } ${USER_FIELDS}`,
    variables: () => ({}),
    present: ({ completeOnboarding }) => ({ user: presentUser(completeOnboarding) }),
    status: 200,
    response: z.object({ user: UserJson }),
    // 403: sent with an API key (only a person accepts terms).
    errors: [401, 403],
  }),
  defineRoute({
    name: 'Approve T&C',
    method: 'PUT',
    path: '/onboarding/approve_terms',
    auth: 'token',
    resourceKey: 'onboarding',
    body: z.object({ legal_term_id: z.coerce.number().int().positive() }),
    document: `mutation ApproveTerms($legalTermId: ID!) {
      approveLegalTerm(legalTermId: $legalTermId) { acceptedAt legalTerm { id } user { ...LegacyUser } }
    } ${USER_FIELDS}`,
    variables: ({ body }) => ({ legalTermId: String(body.legal_term_id) }),
    present: ({ approveLegalTerm }) => ({
      user: presentUser(approveLegalTerm.user),
      legal_term_acceptance: { legal_term_id: Number(approveLegalTerm.legalTerm.id), accepted_at: approveLegalTerm.acceptedAt },
    }),
    status: 200,
    response: z.object({
      user: UserJson,
      legal_term_acceptance: z.object({ legal_term_id: z.number().int(), accepted_at: z.iso.datetime() }),
    }),
    errors: [401, 403, 404],
  }),
];
