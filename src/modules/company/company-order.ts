import { registerEnumType } from 'type-graphql';
import type { ListOrder, SortKey } from '../../db/list-order';
import { listOrder, orderByInput, textKey, timestampKey } from '../page-args';

export enum CompanyOrderField {
  ID = 'ID',
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(CompanyOrderField, {
  name: 'CompanyOrderField',
  valuesConfig: {
    ID: { description: 'The default order' },
    NAME: { description: 'Case-insensitively' },
  },
});

export const CompanyOrder = orderByInput(
  CompanyOrderField,
  'CompanyOrder',
  'The order of a list of companies; ties are broken by id.',
);
export type CompanyOrder = InstanceType<typeof CompanyOrder>;

/** The sort keys of companies: the indexes of migration 20261206090000 serve them. */
const COMPANY_SORT_KEYS: Record<CompanyOrderField, SortKey[]> = {
  ID: [],
  NAME: [textKey((c) => `lower(${c}.name)`)],
  CREATED_AT: [timestampKey((c) => `${c}.created_at`)],
};

export function companyOrder(orderBy: CompanyOrder | null | undefined): ListOrder {
  return listOrder('company', COMPANY_SORT_KEYS, orderBy);
}
