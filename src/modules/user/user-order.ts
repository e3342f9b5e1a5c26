import { registerEnumType } from 'type-graphql';
import type { ListOrder, SortKey } from '../../db/list-order';
import { listOrder, orderByInput, textKey, timestampKey } from '../page-args';

export enum UserOrderField {
  ID = 'ID',
  NAME = 'NAME',
  EMAIL = 'EMAIL',
  STATUS = 'STATUS',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(UserOrderField, {
  name: 'UserOrderField',
  valuesConfig: {
    ID: { description: 'The default order' },
    NAME: { description: 'Last name, then first name, case-insensitively' },
    STATUS: { description: "Alphabetically by the status's name" },
    CREATED_AT: { description: 'When the account was created' },
  },
});

export const UserOrder = orderByInput(UserOrderField, 'UserOrder', 'The order of a list of users; ties are broken by id.');
export type UserOrder = InstanceType<typeof UserOrder>;

/** The sort keys of users (`users`, a company's `members`): the indexes of migration 20261206090000 serve them. */
const USER_SORT_KEYS: Record<UserOrderField, SortKey[]> = {
  ID: [],
  NAME: [textKey((u) => `lower(${u}.last_name)`), textKey((u) => `lower(${u}.first_name)`)],
  EMAIL: [textKey((u) => `${u}.email`)],
  STATUS: [textKey((u) => `${u}.status`)],
  CREATED_AT: [timestampKey((u) => `${u}.created_at`)],
};

export function userOrder(orderBy: UserOrder | null | undefined): ListOrder {
  return listOrder('user', USER_SORT_KEYS, orderBy);
}
