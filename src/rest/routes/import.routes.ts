import { z } from 'zod';
import { connectionOf, IMPORT_FILE_FIELDS } from '../fragments';
import { ImportFileJson } from '../legacy-objects';
import { listBody, pageVariables, presentList } from '../paging';
import { presentImportFile } from '../presenters';
import { defineRoute, idParam, pagingQuery } from '../rest-route';

const importBody = z.object({ import_file: ImportFileJson });

export const importRoutes = [
  defineRoute({
    name: 'List of ImportFiles',
    method: 'GET',
    path: '/imports',
    auth: 'token',
    query: pagingQuery.extend({ company_id: z.coerce.number().int().positive().optional() }),
    document: `query ListImportFiles($first: Int, $after: String, $companyId: ID) {
      importFiles(first: $first, after: $after, companyId: $companyId) { ${connectionOf('LegacyImportFile')} }
    } ${IMPORT_FILE_FIELDS}`,
    variables: ({ query }) => ({ ...pageVariables(query), companyId: query.company_id?.toString() }),
    present: ({ importFiles }, { query }) => presentList('import_files', importFiles, presentImportFile, query),
    status: 200,
    response: listBody('import_files', ImportFileJson),
    errors: [401, 403, 404],
  }),
  defineRoute({
    name: 'Check status of an import',
    method: 'GET',
    path: '/imports/:id',
    auth: 'token',
    params: idParam(),
    document: `query ShowImportFile($id: ID!) { importFile(id: $id) { ...LegacyImportFile } } ${IMPORT_FILE_FIELDS}`,
    variables: ({ params }) => ({ id: String(params.id) }),
    present: ({ importFile }) => ({ import_file: presentImportFile(importFile) }),
    status: 200,
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
      name: z.string().min(1).max(255),
      type: z.string().max(255).default('text/csv'),
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
