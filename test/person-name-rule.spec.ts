import { Company } from '../src/modules/company/company.entity';
import { buildWorld, type World } from './helpers/fixtures';
import { startTestApp, type TestApp } from './helpers/test-app';
import { base64Of } from './helpers/uploads';
import { SET_UP_TIMEOUT_MS } from './helpers/setup';

const CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }';
const START = `mutation($companyId: ID!, $base64: Base64FileInput) {
  startImport(companyId: $companyId, base64: $base64) { id } }`;
const IMPORT = 'query($id: ID!) { importFile(id: $id) { status errors { row field message } } }';

/**
 * A name as sent, what createUser stores, and what the CSV importer stores (null: refused). Both
 * check a name by one rule (src/shared/field-rules.ts: not blank, at most 100 characters once
 * trimmed); createUser trims all white space, an import only spaces, so a cell is stored as written.
 */
const CASES: [string, string | null, string | null][] = [
  ['Ada', 'Ada', 'Ada'],
  ['  Ada  ', 'Ada', 'Ada'],
  ['', null, null],
  ['   ', null, null],
  ['\t', null, null],
  ['\u00a0', null, null],
  ['x'.repeat(100), 'x'.repeat(100), 'x'.repeat(100)],
  ['x'.repeat(101), null, null],
  ['\tAda', 'Ada', '\tAda'],
  ['Ada\u00a0', 'Ada', 'Ada\u00a0'],
  [`\t${'x'.repeat(99)}`, 'x'.repeat(99), `\t${'x'.repeat(99)}`],
  [`\t${'x'.repeat(100)}`, null, null],
];

describe('the person-name rule of createUser and of CSV imports', () => {
  let app: TestApp;
  let world: World;

  beforeAll(async () => {
    app = await startTestApp({});
    world = await buildWorld(app);
  }, SET_UP_TIMEOUT_MS);
  afterAll(() => app.close());

  const storedFirstName = async (email: string): Promise<string | null> => {
    const rows: { first_name: string }[] = await app.orm.em
      .getConnection()
      .execute('select first_name from users where email = ?', [email]);
    return rows[0]?.first_name ?? null;
  };

  async function finishedImport(id: string): Promise<{ status: string; errors: { row: number; field: string }[] }> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const { body } = await app.graphql(IMPORT, { id }, world.token('superAdmin'));
      expect(body.errors).toBeUndefined();
      if (['COMPLETED', 'FAILED'].includes(body.data.importFile.status)) return body.data.importFile;
      if (Date.now() > deadline) throw new Error(`import ${id} still ${body.data.importFile.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('accepts and refuses the same names; only the trimming differs', async () => {
    const em = app.orm.em.fork();
    const company = em.create(Company, { name: 'Names' });
    await em.flush();
    const [{ id: memberAccessId }] = await em.getConnection().execute(`select id from accesses where key = 'member'`);

    const created: (string | null)[] = [];
    for (const [index, [name]] of CASES.entries()) {
      const input = {
        firstName: name,
        lastName: 'Case',
        email: `create-${index}@example.com`,
        companyId: String(company.id),
        accessId: String(memberAccessId),
      };
      const { body } = await app.graphql(CREATE_USER, { input }, world.token('superAdmin'));
      if (body.errors) {
        expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', details: [{ field: 'firstName' }] });
      }
      created.push(body.errors ? null : await storedFirstName(input.email));
    }

    const cells = CASES.map(([name], index) => `import-${index}@example.com,"${name}",Case,member`);
    const file = Buffer.from(`email,first_name,last_name,access\n${cells.join('\n')}\n`, 'utf8');
    const { body } = await app.graphql(
      START,
      { companyId: String(company.id), base64: base64Of(file, 'names.csv', 'text/csv') },
      world.token('superAdmin'),
    );
    expect(body.errors).toBeUndefined();
    const done = await finishedImport(body.data.startImport.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.errors.every((error) => error.field === 'first_name')).toBe(true);
    const refusedRows = new Set(done.errors.map((error) => error.row));
    const imported = await Promise.all(
      CASES.map((_, index) => (refusedRows.has(index + 1) ? null : storedFirstName(`import-${index}@example.com`))),
    );

    expect(CASES.map(([name], index) => [name, created[index], imported[index]])).toEqual(CASES);
  });
});
