import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from './openapi';
import { REST_ROUTES, REST_STREAM_ROUTES } from './route-table';

/** `npm run openapi -- <file>`: writes the OpenAPI document the gateway serves, for linting in CI. */
const target = process.argv[2] ?? 'openapi.json';
writeFileSync(target, `${JSON.stringify(buildOpenApiDocument(REST_ROUTES, REST_STREAM_ROUTES), null, 2)}\n`);
