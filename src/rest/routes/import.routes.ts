import { z } from 'zod';
import { MAX_FILE_NAME_LENGTH, MAX_MEDIA_TYPE_LENGTH } from '../../shared/field-rules';
import { connectionOf, IMPORT_FILE_FIELDS } from '../fragments';
import { ImportFileJson } from '../legacy-objects';
import { presentImportFile } from '../presenters';
import { byIdRoute, pagedListRoute } from '../route-factories';
import { defineRoute } from '../rest-route';

const importBody = z.object({ import_file: ImportFileJson });

export const importRoutes = [
  pagedListRoute('List of ImportFiles', '/imports', {
    filters: { company_id: z.coerce.number().int().positive().optional() },
    document: `query ListImportFiles($first: Int, $after: String, $companyId: ID) {
      importFiles(first: $first, after: $after, companyId: $companyId) { ${connectionOf('LegacyImportFile')} }
    } ${IMPORT_FILE_FIELDS}`,
    filterVariables: (query) => ({ companyId: query.company_id?.toString() }),
    items: { connection: 'importFiles', key: 'import_files', present: presentImportFile, schema: ImportFileJson },
    errors: [401, 403, 404],
  }),
  byIdRoute('Check status of an import', 'GET', '/imports/:id', {
    document: `query ShowImportFile($id: ID!) { importFile(id: $id) { ...LegacyImportFile } } ${IMPORT_FILE_FIELDS}`,
    present: ({ importFile }) => ({ import_file: presentImportFile(importFile) }),
    response: importBody,
    errors: [401, 403, 404],
  }),
  defineRoute({
    name: 'Start an import',
    method: 'POST',
    path: '/imports',
    auth: 'token',
    resourceKey: 'import_file',
    fieldNames: { 'base64.data': 'file_base64', base64: 'file_base64' },
    largeBody: true,
    body: z.object({
      company_id: z.coerce.number().int().positive(),
      name: z.string().min(1).max(MAX_FILE_NAME_LENGTH),
      type: z.string().max(MAX_MEDIA_TYPE_LENGTH).default('text/csv'),
      file_base64: z.string().min(1).describe('the CSV in base64 (header: email,first_name,last_name,access)'),
    }),
    document: `mutation StartImport($companyId: ID!, $base64: Base64FileInput!) {
      startImport(companyId: $companyId, base64: $base64) { ...LegacyImportFile }
    } ${IMPORT_FILE_FIELDS}`,
    variables: ({ body }) => ({
      companyId: String(body.company_id),
      base64: { name: body.name, type: body.type, data: body.file_base64 },
    }),
    present: ({ startImport }) => ({ import_file: presentImportFile(startImport) }),
    status: 202,
    response: importBody,
    errors: [401, 403, 404, 413, 415],
  }),
];
