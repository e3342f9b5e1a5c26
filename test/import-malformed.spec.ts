import { ImportFile } from '../src/modules/import/import-file.entity';
import { START_IMPORT } from './helpers/documents';
import { waitForImport } from './helpers/imports';
import { base64Of } from './helpers/uploads';
import { useTestWorld } from './helpers/setup';

const IMPORT = `query ImportFile($id: ID!) { importFile(id: $id) {
  status totalRows processedRows createdCount failedCount errors { row field message } } }`;

const HEADER = 'email,first_name,last_name,access';
/** A CSV file from its lines; a Buffer stands for bytes that are not text (an invalid UTF-8 sequence). */
const csv = (...lines: (string | Buffer)[][]) =>
  Buffer.concat(lines.flatMap((parts) => [...parts.map((part) => Buffer.from(part)), Buffer.from('\n')]));
const LATIN1_E_ACUTE = Buffer.from([0xe9]);

/** An import as both transports report it once the worker is done with it. */
interface ImportOutcome {
  status: string;
  total_rows: number;
  processed_rows: number;
  created_count: number;
  failed_count: number;
  errors: { row: number; field: string | null; message: string }[];
}

interface Transport {
  name: string;
  /** Starts an import of `bytes` into Acme as its admin; the import's id. */
  start(bytes: Buffer): Promise<string>;
  /** Starts an import that must be refused; the error's code and message. */
  refuse(bytes: Buffer): Promise<{ code: string; message: string }>;
  /** Reads the import, which the worker is done with. */
  read(id: string): Promise<ImportOutcome>;
}

const { app, world } = useTestWorld({});

const graphql: Transport = {
  name: 'GraphQL startImport',
  async start(bytes) {
    const { body } = await sendGraphql(bytes);
    expect(body.errors).toBeUndefined();
    return body.data.startImport.id;
  },
  async refuse(bytes) {
    const { body } = await sendGraphql(bytes);
    expect(body.data ?? null).toBeNull();
    return { code: body.errors[0].extensions.code, message: body.errors[0].message };
  },
  async read(id) {
    const { body } = await app.graphql(IMPORT, { id }, world.token('acmeAdmin'));
    expect(body.errors).toBeUndefined();
    const { status, totalRows, processedRows, createdCount, failedCount, errors } = body.data.importFile;
    return {
      status: status.toLowerCase(),
      total_rows: totalRows,
      processed_rows: processedRows,
      created_count: createdCount,
      failed_count: failedCount,
      errors,
    };
  },
};
const sendGraphql = (bytes: Buffer) =>
  app.graphql(
    START_IMPORT,
    { c: String(world.companies.acme), b: base64Of(bytes, 'users.csv', 'text/csv') },
    world.token('acmeAdmin'),
  );

const rest: Transport = {
  name: 'REST POST /api/v1/imports',
  async start(bytes) {
    const { status, body } = await sendRest(bytes);
    expect(status).toBe(202);
    return String(body.import_file.id);
  },
  async refuse(bytes) {
    const { status, body } = await sendRest(bytes);
    expect(status).toBe(400);
    return { code: body.error.code, message: body.error.message };
  },
  async read(id) {
    const { status, body } = await app.request('GET', `/api/v1/imports/${id}`, { headers: world.headers('acmeAdmin') });
    expect(status).toBe(200);
    const { status: importStatus, total_rows, processed_rows, created_count, failed_count, errors } = body.import_file;
    return { status: importStatus, total_rows, processed_rows, created_count, failed_count, errors };
  },
};
const sendRest = (bytes: Buffer) =>
  app.request('POST', '/api/v1/imports', {
    body: { company_id: world.companies.acme, name: 'users.csv', type: 'text/csv', file_base64: bytes.toString('base64') },
    headers: world.headers('acmeAdmin'),
  });

/** The import as `transport` reports it once the worker is done with it. */
async function finished(transport: Transport, id: string): Promise<ImportOutcome> {
  await waitForImport(app, id);
  return transport.read(id);
}

/** The users whose email starts with `prefix`, with their grant, as the database holds them. */
async function usersStartingWith(prefix: string) {
  return app.orm.em.getConnection().execute(
    `select u.email, u.first_name, u.last_name, u.status, a.key as access, ua.company_id
       from users u join user_accesses ua on ua.user_id = u.id join accesses a on a.id = ua.access_id
      where u.email like ? order by u.email`,
    [`${prefix}%`],
  );
}

const NOT_UTF8 = 'is not valid UTF-8 text';
const BARE_QUOTE = 'has a quote inside an unquoted field';
const UNDOUBLED_QUOTE = 'has a quote inside a quoted field that is not doubled';

describe.each([graphql, rest])('malformed CSV lines, started with $name', (transport) => {
  const tag = transport === graphql ? 'gql' : 'rest';
  /** Emails of one test and transport, so that each test reads back only its own users. */
  const emailsOf = (test: string) => ({
    prefix: `${tag}-${test}-`,
    email: (name: string) => `${tag}-${test}-${name}@example.com`,
  });
  const user = (email: string, first_name: string, last_name: string, access = 'member') => ({
    email,
    first_name,
    last_name,
    access,
    status: 'pending',
    company_id: world.companies.acme,
  });

  it('reports each malformed line as a row error and imports every other row', async () => {
    const { prefix, email } = emailsOf('mixed');
    const file = csv(
      [HEADER],
      [`${email('ada')},Ada,Lovelace,admin`], // 1
      [`${email('countess')},Ada "The Countess",Lovelace,member`], // 2: bare quotes
      [`${prefix}o"brien@example.com,Pat,Brien,member`], // 3: a bare quote in the first cell, right after another bad line
      [`${email('grace')},Grace,Hopper,manager`], // 4
      [`${email('five')},Five,Cells,member,extra`], // 5: a cell too many
      [`${email('alan')},Alan,Turing,`], // 6
      [`${email('zoe')},Zo`, LATIN1_E_ACUTE, ',Latin,member'], // 7: a Latin-1 byte
      [`${email('chloe')},Chloé,Ünal,member`], // 8: UTF-8 beyond ASCII
      [`${email('quoted')},"Trailing "quote" inside",Quoted,member`], // 9: quotes not doubled
      [`${email('linus')},Linus,Torvalds,member`], // 10
    );
    const done = await finished(transport, await transport.start(file));

    expect(done).toEqual({
      status: 'completed',
      total_rows: 10,
      processed_rows: 10,
      created_count: 5,
      failed_count: 5,
      errors: [
        { row: 2, field: null, message: BARE_QUOTE },
        { row: 3, field: null, message: BARE_QUOTE },
        { row: 5, field: null, message: 'has 5 columns, the header has 4' },
        { row: 7, field: null, message: NOT_UTF8 },
        { row: 9, field: null, message: UNDOUBLED_QUOTE },
      ],
    });
    expect(await usersStartingWith(prefix)).toEqual([
      user(email('ada'), 'Ada', 'Lovelace', 'admin'),
      user(email('alan'), 'Alan', 'Turing'),
      user(email('chloe'), 'Chloé', 'Ünal'),
      user(email('grace'), 'Grace', 'Hopper', 'manager'),
      user(email('linus'), 'Linus', 'Torvalds'),
    ]);
  });

  it('numbers rows by record, a quoted field spanning lines being one row', async () => {
    const { prefix, email } = emailsOf('multiline');
    const file = csv(
      [HEADER],
      [`${email('mary')},"Mary\nJane",Watson,member`], // 1: two lines
      [`${email('emily')},Emily,"Dickinson, ""the""\nBelle\nof Amherst",manager`], // 2: three lines
      [`${email('bad')},Bad "Quote",Row,member`], // 3: the sixth line of the file
      [`${email('after')},After,Quote,member`], // 4
      [`${email('split')},"Split\nName",Bad "quote" too,member`], // 5: bare quotes on its second line
      [`${email('bytes')},"Two\nLines",B`, LATIN1_E_ACUTE, 'ad,member'], // 6: a Latin-1 byte on its second line
      [`${email('last')},Last,Row,member`], // 7
    );
    const done = await finished(transport, await transport.start(file));

    expect(done).toEqual({
      status: 'completed',
      total_rows: 7,
      processed_rows: 7,
      created_count: 4,
      failed_count: 3,
      errors: [
        { row: 3, field: null, message: BARE_QUOTE },
        { row: 5, field: null, message: BARE_QUOTE },
        { row: 6, field: null, message: NOT_UTF8 },
      ],
    });
    expect(await usersStartingWith(prefix)).toEqual([
      user(email('after'), 'After', 'Quote'),
      user(email('emily'), 'Emily', 'Dickinson, "the"\nBelle\nof Amherst', 'manager'),
      user(email('last'), 'Last', 'Row'),
      user(email('mary'), 'Mary\nJane', 'Watson'),
    ]);
  });

  describe('a wrong header still fails the whole import', () => {
    const importRows = () => app.orm.em.fork().count(ImportFile, {});

    it('names the expected header, whatever the lines after it hold', async () => {
      const { prefix, email } = emailsOf('wrong-header');
      const before = await importRows();
      const file = csv(
        ['mail,first,last'],
        [`${email('plain')},Wrong,Header`],
        [`${email('bytes')},Zo`, LATIN1_E_ACUTE, ',Latin'],
        [`${email('quote')},Bad "Quote",Row`],
      );
      expect(await transport.refuse(file)).toEqual({
        code: 'BAD_USER_INPUT',
        message:
          'the first row must be the header email,first_name,last_name,access (comma-separated; access may be left out), found "mail,first,last"',
      });
      expect(await importRows()).toBe(before);
      expect(await usersStartingWith(prefix)).toEqual([]);
    });

    it('refuses a header that is not UTF-8', async () => {
      const before = await importRows();
      const file = csv(['email,first_name,last_name,acc', LATIN1_E_ACUTE, 's'], ['someone@example.com,Some,One,member']);
      expect(await transport.refuse(file)).toEqual({
        code: 'BAD_USER_INPUT',
        message: 'the header is not valid UTF-8 text; save the CSV as UTF-8',
      });
      expect(await importRows()).toBe(before);
    });
  });
});
