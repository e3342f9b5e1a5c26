import { registerEnumType } from 'type-graphql';
import type { ListOrder, SortKey } from '../../db/list-order';
import { listOrder, orderByInput, textKey, timestampKey } from '../page-args';

export enum ImportFileOrderField {
  ID = 'ID',
  NAME = 'NAME',
  STATUS = 'STATUS',
  CREATED_AT = 'CREATED_AT',
}
registerEnumType(ImportFileOrderField, {
  name: 'ImportFileOrderField',
  valuesConfig: {
    ID: { description: 'The default order' },
    NAME: { description: 'The file name, case-insensitively' },
    STATUS: { description: "Alphabetically by the status's name" },
    CREATED_AT: { description: 'When the import was started' },
  },
});

export const ImportFileOrder = orderByInput(
  ImportFileOrderField,
  'ImportFileOrder',
  'The order of a list of imports; ties are broken by id.',
);
export type ImportFileOrder = InstanceType<typeof ImportFileOrder>;

/**
 * The sort keys of imports. No index serves them: a company starts a few imports a day at most, so
 * even a super_admin's list of every import is a set PostgreSQL sorts in a few milliseconds.
 */
const IMPORT_FILE_SORT_KEYS: Record<ImportFileOrderField, SortKey[]> = {
  ID: [],
  NAME: [textKey((i) => `lower(${i}.name)`)],
  STATUS: [textKey((i) => `${i}.status`)],
  CREATED_AT: [timestampKey((i) => `${i}.created_at`)],
};

export function importFileOrder(orderBy: ImportFileOrder | null | undefined): ListOrder {
  return listOrder('import_file', IMPORT_FILE_SORT_KEYS, orderBy);
}
