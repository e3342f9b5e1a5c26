// CI: the OpenAPI document written by `npm run openapi -- <file>` must validate under swagger-parser too,
// the validator many client generators and mock servers build on, not only under `redocly lint`.
import SwaggerParser from '@apidevtools/swagger-parser';

const file = process.argv[2];
await SwaggerParser.validate(file);
console.log(`${file}: valid under swagger-parser`);
