import type { EntityManager } from '@mikro-orm/postgresql';
import { queryPrepared } from '../prepared-statements';
import { Seeder } from '@mikro-orm/seeder';
import { Access } from '../../modules/access/access.entity';
import { Company } from '../../modules/company/company.entity';
import { LegalTerm } from '../../modules/legal-term/legal-term.entity';
import { Membership } from '../../modules/membership/membership.entity';
import { Stage } from '../../modules/stage/stage.entity';

export const DEFAULT_COMPANY_NAME = 'Leadsy';

const ACCESSES = [
  { key: 'super_admin', name: 'Super Admin', rank: 4, description: 'Everything, in every company.' },
  {
    key: 'admin',
    name: 'Admin',
    rank: 3,
    description: 'Manages users, accesses, invitations, imports and child companies of its companies.',
  },
  {
    key: 'manager',
    name: 'Manager',
    rank: 2,
    description: 'Reads the users and imports of its companies and invites managers and members.',
  },
  { key: 'member', name: 'Member', rank: 1, description: 'Reads its own companies and the people in them.' },
] as const;

const MEMBERSHIPS = [
  {
    name: 'Starter',
    description: 'For a small team trying Leadsy.',
    maxUsers: 5,
    priceCents: 0,
    currency: 'EUR',
    features: ['Lead lists', 'CSV import'],
  },
  {
    name: 'Growth',
    description: 'For a growing sales team.',
    maxUsers: 50,
    priceCents: 4900,
    currency: 'EUR',
    features: ['Lead lists', 'CSV import', 'Sub-companies', 'Invitations'],
  },
  {
    name: 'Enterprise',
    description: 'For organisations with many companies.',
    maxUsers: null,
    priceCents: 19900,
    currency: 'EUR',
    features: ['Lead lists', 'CSV import', 'Sub-companies', 'Invitations', 'Priority support'],
  },
];

const STAGES = ['New', 'Contacted', 'Qualified', 'Proposal', 'Won', 'Lost'].map((name, index) => ({ name, position: index + 1 }));

const CURRENT_LEGAL_TERM = {
  version: '2026-01',
  title: 'Terms and Conditions',
  body: 'By using Leadsy you agree to use it lawfully, to keep your credentials secret and to import only data you are allowed to process.',
};

/**
 * Reference data every installation needs. Each insert ignores rows that already exist, so running
 * it on every start changes nothing the second time and never overwrites an administrator's edits.
 */
export class ReferenceDataSeeder extends Seeder {
  async run(em: EntityManager): Promise<void> {
    const keepExisting = { onConflictAction: 'ignore' } as const;
    await em.upsertMany(Access, [...ACCESSES], { ...keepExisting, onConflictFields: ['key'] });
    await em.upsertMany(Membership, MEMBERSHIPS, { ...keepExisting, onConflictFields: ['name'] });
    await em.upsertMany(Stage, STAGES, { ...keepExisting, onConflictFields: ['name'] });
    await em.upsert(
      LegalTerm,
      { ...CURRENT_LEGAL_TERM, publishedAt: new Date() },
      { ...keepExisting, onConflictFields: ['version'] },
    );
    // The partial unique index "companies_single_default" makes a concurrent second insert a no-op.
    await queryPrepared(
      em,
      `insert into companies (name, is_default) select ?, true
       where not exists (select 1 from companies where is_default) on conflict do nothing`,
      [DEFAULT_COMPANY_NAME],
    );
  }
}

export async function defaultCompany(em: EntityManager): Promise<Company> {
  return em.findOneOrFail(Company, { isDefault: true });
}
