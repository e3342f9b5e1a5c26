import { Company } from '../src/modules/company/company.entity';
import { ImportFile } from '../src/modules/import/import-file.entity';
import { Membership } from '../src/modules/membership/membership.entity';
import { type World, ADMIN_OF_ACME_EAST, type Actor } from './helpers/fixtures';
import { waitForImport } from './helpers/imports';
import { base64Of, multipartGraphql, pngBytes, storedFileCount } from './helpers/uploads';
import { useTestWorld } from './helpers/setup';
import { expectFieldError } from './helpers/expect';

const START = `mutation StartImport($companyId: ID!, $file: Upload, $base64: Base64FileInput) {
  startImport(companyId: $companyId, file: $file, base64: $base64) {
    id name status totalRows processedRows createdCount failedCount company { id } } }`;
const IMPORT = `query ImportFile($id: ID!) { importFile(id: $id) {
  id name status totalRows processedRows createdCount failedCount createdAt startedAt finishedAt
  company { id name } errors { row field message } } }`;
const LIST = `query ImportFiles($first: Int, $after: String, $companyId: ID) {
  importFiles(first: $first, after: $after, companyId: $companyId) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id company { id } } } } }`;

const csv = (...lines: string[]) => Buffer.from(`${lines.join('\n')}\n`, 'utf8');
const HEADER = 'email,first_name,last_name,access';

describe('CSV imports', () => {
  const { app, world } = useTestWorld({});

  const start = (companyId: number, bytes: Buffer, actor: Actor, name = 'users.csv') =>
    app.graphql(START, { companyId: String(companyId), base64: base64Of(bytes, name, 'text/csv') }, world.tokenOf(actor));
  const storedImports = () => storedFileCount(app, 'imports');
  const importRows = async () => (await app.orm.em.fork().count(ImportFile, {})) as number;

  /** The import as `actor` reads it once the worker is done with it. */
  async function finished(id: string, actor: Actor = 'superAdmin'): Promise<any> {
    await waitForImport(app, id);
    const { body } = await app.graphql(IMPORT, { id }, world.tokenOf(actor));
    expect(body.errors).toBeUndefined();
    return body.data.importFile;
  }

  const usersByEmail = async (emails: string[]) => {
    const rows: any[] = await app.orm.em.getConnection().execute(
      `select u.email, u.first_name, u.last_name, u.status, u.password_hash, a.key as access, ua.company_id, ua.primary
         from users u join user_accesses ua on ua.user_id = u.id join accesses a on a.id = ua.access_id
        where u.email = any(?::text[]) order by u.email`,
      [`{${emails.join(',')}}`],
    );
    return rows;
  };

  it('imports the good rows of a mixed file and reports every bad row by its number', async () => {
    const longName = 'L'.repeat(101);
    const file = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]), // a BOM, as spreadsheets write it
      csv(
        ' Email , First_Name,LAST_NAME ,Access',
        'ada@example.com,Ada,Lovelace,admin', // 1
        'not-an-email,Bad,Email,member', // 2
        'nofirst@example.com,,Name,member', // 3
        `longlast@example.com,Long,${longName},member`, // 4
        'owner@example.com,Unknown,Access,owner', // 5
        'root@example.com,Super,Admin,super_admin', // 6
        'ADA@Example.com,Ada,Again,member', // 7: the email of row 1
        'eastmember@example.com,Already,There,member', // 8: an existing user
        'short@example.com,Only Two', // 9: wrong column count
        '', // blank lines are not rows
        'formula@example.com,"=HYPERLINK(""http://evil.example"",""x"")","+SUM(1,2)",manager', // 10
        'minus@example.com,-2+3,@cmd,', // 11: access left empty: member
        'tab@example.com,"\tTabbed","\rReturn", Manager ', // 12
        'last@example.com,Grace,Hopper', // 13: a row one column short of the header
      ),
    ]);
    const { body } = await start(world.companies.acme, file, 'acmeAdmin', 'C:\\fakepath\\team.csv');
    expect(body.errors).toBeUndefined();
    expect(body.data.startImport).toMatchObject({
      name: 'team.csv',
      status: 'QUEUED',
      company: { id: String(world.companies.acme) },
      processedRows: 0,
    });

    const done = await finished(body.data.startImport.id, 'acmeAdmin');
    expect(done).toMatchObject({
      status: 'COMPLETED',
      totalRows: 13,
      processedRows: 13,
      createdCount: 4,
      failedCount: 9,
      company: { id: String(world.companies.acme), name: 'Acme' },
    });
    expect(done.startedAt).toBeTruthy();
    expect(done.finishedAt).toBeTruthy();
    expect(done.errors).toEqual([
      { row: 2, field: 'email', message: 'must be an email' },
      { row: 3, field: 'first_name', message: 'must not be empty' },
      { row: 4, field: 'last_name', message: 'must have at most 100 characters' },
      { row: 5, field: 'access', message: 'unknown access "owner"; use member, manager, admin' },
      { row: 6, field: 'access', message: 'super_admin cannot be granted by an import' },
      { row: 7, field: 'email', message: 'repeats the email of row 1' },
      { row: 8, field: 'email', message: 'a user with this email already exists' },
      { row: 9, field: null, message: 'has 2 columns, the header has 4' },
      { row: 13, field: null, message: 'has 3 columns, the header has 4' },
    ]);

    const created = await usersByEmail([
      'ada@example.com',
      'formula@example.com',
      'minus@example.com',
      'tab@example.com',
      'last@example.com',
      'owner@example.com',
      'root@example.com',
    ]);
    const common = { status: 'pending', password_hash: null, company_id: world.companies.acme, primary: true };
    expect(created).toEqual([
      { ...common, email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', access: 'admin' },
      // Formula-looking cells are stored as written: nothing is evaluated, stripped or escaped.
      {
        ...common,
        email: 'formula@example.com',
        first_name: '=HYPERLINK("http://evil.example","x")',
        last_name: '+SUM(1,2)',
        access: 'manager',
      },
      { ...common, email: 'minus@example.com', first_name: '-2+3', last_name: '@cmd', access: 'member' },
      { ...common, email: 'tab@example.com', first_name: '\tTabbed', last_name: '\rReturn', access: 'manager' },
    ]);
    const [{ grants }] = await app.orm.em
      .getConnection()
      .execute(
        `select count(*)::int as grants from user_accesses ua join users u on u.id = ua.user_id where u.email = 'eastmember@example.com'`,
      );
    expect(grants).toBe(1);
  });

  it('refuses the rows past the company membership’s user limit and imports the rest', async () => {
    const em = app.orm.em.fork();
    const starter = await em.findOneOrFail(Membership, { maxUsers: 5 });
    // A root of its own: the plan bounds its whole tree.
    const tiny = em.create(Company, { name: 'Tiny', membership: starter });
    await em.flush();
    const rows = Array.from({ length: 7 }, (_, index) => `tiny${index + 1}@example.com,Tiny,${index + 1}`);
    const { body } = await start(tiny.id, csv('email,first_name,last_name', ...rows), 'superAdmin');
    const done = await finished(body.data.startImport.id);
    expect(done).toMatchObject({ status: 'COMPLETED', totalRows: 7, createdCount: 5, failedCount: 2 });
    expect(done.errors).toEqual(
      [6, 7].map((row) => ({ row, field: null, message: "the company has reached its membership's user limit" })),
    );
    expect((await usersByEmail(rows.map((row) => row.split(',')[0]))).map((user) => user.email)).toEqual(
      ['tiny1', 'tiny2', 'tiny3', 'tiny4', 'tiny5'].map((name) => `${name}@example.com`),
    );
  });

  it('accepts a multipart upload of the CSV', async () => {
    const { body } = await multipartGraphql(
      app,
      START,
      { companyId: String(world.companies.acmeEast), file: null },
      csv(HEADER, 'multi@example.com,Multi,Part,member'),
      { token: world.token('acmeAdmin'), fileName: 'multipart.csv', fileType: 'text/csv' },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.startImport).toMatchObject({ name: 'multipart.csv', status: 'QUEUED' });
    const done = await finished(body.data.startImport.id);
    expect(done).toMatchObject({ status: 'COMPLETED', totalRows: 1, createdCount: 1, failedCount: 0, errors: [] });
    expect(await usersByEmail(['multi@example.com'])).toEqual([
      expect.objectContaining({ company_id: world.companies.acmeEast, access: 'member', status: 'pending' }),
    ]);
  });

  describe('refused files leave nothing stored', () => {
    const tooLarge = Buffer.concat([csv(HEADER), Buffer.alloc(5 * 1024 * 1024, 'a')]);
    it.each<[string, () => Promise<{ body: any }>, string]>([
      ['a file over 5 MiB (base64)', () => start(world.companies.acme, tooLarge, 'acmeAdmin'), 'PAYLOAD_TOO_LARGE'],
      [
        'a file over 5 MiB (multipart)',
        () =>
          multipartGraphql(app, START, { companyId: String(world.companies.acme), file: null }, tooLarge, {
            token: world.token('acmeAdmin'),
            fileType: 'text/csv',
          }),
        'PAYLOAD_TOO_LARGE',
      ],
      ['an image', () => start(world.companies.acme, pngBytes(), 'acmeAdmin', 'users.csv'), 'UNSUPPORTED_MEDIA_TYPE'],
      [
        'text with NUL bytes',
        () => start(world.companies.acme, Buffer.from(`${HEADER}\n\0\0\0\n`), 'acmeAdmin'),
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        // A Latin-1 byte further down is only that row's error (test/import-malformed.spec.ts).
        'a header that is not UTF-8',
        () => start(world.companies.acme, Buffer.from(`email,first_name,last_name,acc\xe8s\n`, 'latin1'), 'acmeAdmin'),
        'BAD_USER_INPUT',
      ],
      [
        'a wrong header',
        () => start(world.companies.acme, csv('mail,first,last', 'a@example.com,A,B'), 'acmeAdmin'),
        'BAD_USER_INPUT',
      ],
      [
        'columns in another order',
        () => start(world.companies.acme, csv('first_name,last_name,email'), 'acmeAdmin'),
        'BAD_USER_INPUT',
      ],
      [
        'a semicolon-separated file',
        () => start(world.companies.acme, csv('email;first_name;last_name'), 'acmeAdmin'),
        'BAD_USER_INPUT',
      ],
      ['an empty file', () => start(world.companies.acme, Buffer.alloc(0), 'acmeAdmin'), 'BAD_USER_INPUT'],
      [
        'no file at all',
        () => app.graphql(START, { companyId: String(world.companies.acme) }, world.token('acmeAdmin')),
        'BAD_USER_INPUT',
      ],
    ])('%s', async (_name, send, code) => {
      const [files, rows] = [storedImports(), await importRows()];
      const { body } = await send();
      expect(body.errors[0].extensions.code).toBe(code);
      expect(body.data ?? null).toBeNull();
      expect(storedImports()).toBe(files);
      expect(await importRows()).toBe(rows);
    });

    it('names the expected header in the message', async () => {
      const { body } = await start(world.companies.acme, csv('mail,first,last'), 'acmeAdmin');
      expect(body.errors[0].message).toContain('email,first_name,last_name,access');
    });

    it('deletes the stored file again when the import row cannot be written', async () => {
      const connection = app.orm.em.getConnection();
      await connection.execute(`create function refuse_import() returns trigger language plpgsql as $$
        begin raise exception 'refused by the test'; end $$`);
      await connection.execute(
        'create trigger refuse_import before insert on import_files for each row execute function refuse_import()',
      );
      const [files, rows] = [storedImports(), await importRows()];
      try {
        const { body } = await start(world.companies.acme, csv(HEADER, 'kept-out@example.com,Kept,Out'), 'acmeAdmin');
        expect(body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      } finally {
        await connection.execute('drop trigger refuse_import on import_files');
        await connection.execute('drop function refuse_import()');
      }
      expect(storedImports()).toBe(files);
      expect(await importRows()).toBe(rows);
    });
  });

  it.each(ADMIN_OF_ACME_EAST)('startImport into Acme East by %s: %s', async (actor, code) => {
    const email = `by-${actor.toLowerCase()}@example.com`;
    const [files, rows] = [storedImports(), await importRows()];
    const { body } = await start(world.companies.acmeEast, csv(HEADER, `${email},By,${actor},member`), actor);
    if (code === null) {
      expect(body.errors).toBeUndefined();
      expect(await finished(body.data.startImport.id)).toMatchObject({ status: 'COMPLETED', createdCount: 1 });
      expect(storedImports()).toBe(files + 1);
      const [created] = await app.orm.em
        .getConnection()
        .execute(`select i.created_by_id from import_files i where i.id = ?`, [Number(body.data.startImport.id)]);
      expect(created.created_by_id).toBe(world.users[actor as keyof World['users']].id);
    } else {
      expect(body.errors[0].extensions.code).toBe(code);
      expect(storedImports()).toBe(files);
      expect(await importRows()).toBe(rows);
      expect(await usersByEmail([email])).toEqual([]);
    }
  });

  it('answers NOT_FOUND for a company that does not exist and BAD_USER_INPUT for a malformed id', async () => {
    const missing = await start(999_999, csv(HEADER), 'superAdmin');
    expect(missing.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const malformed = await app.graphql(
      START,
      { companyId: 'abc', base64: base64Of(csv(HEADER), 'a.csv', 'text/csv') },
      world.token('superAdmin'),
    );
    expectFieldError(malformed, 'companyId');
  });

  describe('reading imports', () => {
    let eastImport: string;
    let acmeImport: string;

    beforeAll(async () => {
      const east = await start(world.companies.acmeEast, csv(HEADER, 'read-east@example.com,Read,East'), 'acmeAdmin');
      const acme = await start(world.companies.acme, csv(HEADER, 'read-acme@example.com,Read,Acme'), 'acmeAdmin');
      eastImport = east.body.data.startImport.id;
      acmeImport = acme.body.data.startImport.id;
      await finished(eastImport);
      await finished(acmeImport);
    });

    it.each<[Actor, string | null]>([
      ['superAdmin', null],
      ['acmeAdmin', null],
      ['eastManager', null],
      ['eastMember', 'FORBIDDEN'],
      ['labMember', 'NOT_FOUND'],
      ['globexAdmin', 'NOT_FOUND'],
      ['anonymous', 'UNAUTHENTICATED'],
    ])('importFile of Acme East by %s: %s', async (actor, code) => {
      const { body } = await app.graphql(IMPORT, { id: eastImport }, world.tokenOf(actor));
      if (code === null) {
        expect(body.errors).toBeUndefined();
        expect(body.data.importFile).toMatchObject({ id: eastImport, status: 'COMPLETED', company: { name: 'Acme East' } });
      } else {
        expect(body.errors[0].extensions.code).toBe(code);
      }
    });

    it('answers NOT_FOUND for an import that does not exist', async () => {
      const { body } = await app.graphql(IMPORT, { id: '999999' }, world.token('superAdmin'));
      expect(body.errors[0].extensions.code).toBe('NOT_FOUND');
    });

    it('lists only the imports of companies where the viewer is a manager or above', async () => {
      const ids = async (actor: Actor, companyId?: number) => {
        const { body } = await app.graphql(LIST, { first: 100, companyId: companyId && String(companyId) }, world.tokenOf(actor));
        expect(body.errors).toBeUndefined();
        const nodes = body.data.importFiles.edges.map((edge: any) => edge.node);
        expect(body.data.importFiles.totalCount).toBe(nodes.length);
        return nodes;
      };
      const managerSees = await ids('eastManager');
      expect(managerSees.map((node: any) => node.id)).toContain(eastImport);
      expect(managerSees.map((node: any) => node.id)).not.toContain(acmeImport);
      expect(new Set(managerSees.map((node: any) => node.company.id))).toEqual(new Set([String(world.companies.acmeEast)]));

      const adminSees = (await ids('acmeAdmin')).map((node: any) => node.id);
      expect(adminSees).toEqual(expect.arrayContaining([eastImport, acmeImport]));
      expect((await ids('superAdmin')).length).toBe(await importRows());
      expect(await ids('globexAdmin')).toEqual([]);
      expect(
        (await ids('acmeAdmin', world.companies.acme)).every((node: any) => node.company.id === String(world.companies.acme)),
      ).toBe(true);
    });

    it.each<[Actor, number | undefined, string]>([
      ['eastMember', undefined, 'FORBIDDEN'],
      ['eastMember', 0, 'FORBIDDEN'],
      ['globexAdmin', 1, 'NOT_FOUND'],
      ['anonymous', undefined, 'UNAUTHENTICATED'],
    ])('refuses importFiles to %s (company filter %s) with %s', async (actor, filter, code) => {
      const companyId = filter === undefined ? undefined : String(filter === 0 ? world.companies.acmeEast : world.companies.acme);
      const { body } = await app.graphql(LIST, { companyId }, world.tokenOf(actor));
      expect(body.errors[0].extensions.code).toBe(code);
    });

    it('pages with cursors', async () => {
      const first = await app.graphql(LIST, { first: 1 }, world.token('acmeAdmin'));
      const page = first.body.data.importFiles;
      expect(page.edges).toHaveLength(1);
      expect(page.pageInfo.hasNextPage).toBe(true);
      const second = await app.graphql(LIST, { first: 1, after: page.pageInfo.endCursor }, world.token('acmeAdmin'));
      expect(Number(second.body.data.importFiles.edges[0].node.id)).toBeGreaterThan(Number(page.edges[0].node.id));
    });
  });
});
