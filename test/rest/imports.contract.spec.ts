import { UserAccess } from '../../src/modules/access/user-access.entity';
import { ImportFile } from '../../src/modules/import/import-file.entity';
import type { Actor } from '../helpers/fixtures';
import { waitForImport } from '../helpers/imports';
import { pngBytes, storedFileCount } from '../helpers/uploads';
import { expectErrorBody, expectShape, IMPORT_FILE, META } from './contract-shapes';
import { describeRoute } from './describe-route';
import { REFUSED_ADMIN_WRITES_IN_ACME_EAST, restClient, useContractWorld } from './contract-app';

const { app, world } = useContractWorld({});

const call = restClient(app, world);

const HEADER = 'email,first_name,last_name,access';
const csv = (...lines: string[]) => Buffer.from(`${[HEADER, ...lines].join('\n')}\n`, 'utf8');
const MIXED = csv(
  'ada.import@example.com,Ada,Lovelace,member',
  'not-an-email,Bad,Email,member',
  'grace.import@example.com,Grace,Hopper,manager',
  'alan.import@example.com,Alan,Turing,owner',
  'linus.import@example.com,Linus,Torvalds,',
);

const startImport = (companyId: number, bytes: Buffer, caller: Actor = 'acmeAdmin', name = 'team.csv') =>
  call('POST', '/imports', caller, { company_id: companyId, name, type: 'text/csv', file_base64: bytes.toString('base64') });

const importRows = () => app.orm.em.fork().count(ImportFile, {});
const storedImports = () => storedFileCount(app, 'imports');

/** The import as GET /imports/:id shows it once the worker is done with it. */
async function finished(id: number, caller: Actor = 'acmeAdmin'): Promise<any> {
  await waitForImport(app, id);
  const { status, body } = await call('GET', `/imports/${id}`, caller);
  expect(status).toBe(200);
  return body.import_file;
}

/** Expects a refused start that stored neither a row nor a file. */
async function expectNothingStored(attempt: () => Promise<{ status: number; body: any }>, status: number, code: string) {
  const [rowsBefore, filesBefore] = [await importRows(), storedImports()];
  const result = await attempt();
  expect(result.status).toBe(status);
  expectErrorBody(result.body, code);
  expect([await importRows(), storedImports()]).toEqual([rowsBefore, filesBefore]);
}

describeRoute('POST', '/imports', () => {
  it('answers 202 {import_file}, then the import completes with its counters and bad rows', async () => {
    const { status, body } = await startImport(world.companies.acme, MIXED, 'acmeAdmin', 'C:\\fakepath\\team.csv');
    expect(status).toBe(202);
    expect(Object.keys(body)).toEqual(['import_file']);
    expectShape(body.import_file, IMPORT_FILE);
    expect(['queued', 'processing', 'completed']).toContain(body.import_file.status);
    expect(body.import_file).toMatchObject({ name: 'team.csv', company_id: world.companies.acme });
    const row = await app.orm.em.fork().findOneOrFail(ImportFile, body.import_file.id);
    expect(row.company.id).toBe(world.companies.acme);

    const done = await finished(body.import_file.id);
    expectShape(done, IMPORT_FILE);
    expect(done).toMatchObject({
      id: body.import_file.id,
      status: 'completed',
      total_rows: 5,
      processed_rows: 5,
      created_count: 3,
      failed_count: 2,
      errors: [
        { row: 2, field: 'email', message: 'must be an email' },
        { row: 4, field: 'access', message: expect.stringContaining('unknown access') },
      ],
    });
    expect(done.started_at).not.toBeNull();
    expect(done.finished_at).not.toBeNull();

    const grants = await app.orm.em
      .fork()
      .find(UserAccess, { user: { email: { $like: '%.import@example.com' } } }, { populate: ['user', 'access'] });
    expect(grants.map((grant) => [grant.user.email, grant.company.id, grant.access.key]).sort()).toEqual([
      ['ada.import@example.com', world.companies.acme, 'member'],
      ['grace.import@example.com', world.companies.acme, 'manager'],
      ['linus.import@example.com', world.companies.acme, 'member'],
    ]);
  });

  it.each(REFUSED_ADMIN_WRITES_IN_ACME_EAST)('refuses %s with %i and stores nothing', async (caller, status, code) => {
    await expectNothingStored(() => startImport(world.companies.acmeEast, MIXED, caller), status, code);
  });

  it('answers 413 for a file over 5 MiB decoded', async () => {
    const big = Buffer.concat([csv(), Buffer.alloc(6 * 1024 * 1024, 'a')]);
    await expectNothingStored(() => startImport(world.companies.acme, big), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('answers 400 for a wrong CSV header, for bad base64 and for a missing field; 415 for binary bytes', async () => {
    const wrongHeader = Buffer.from('mail,name\nada@example.com,Ada\n');
    await expectNothingStored(() => startImport(world.companies.acme, wrongHeader), 400, 'BAD_USER_INPUT');
    const badBase64 = () =>
      call('POST', '/imports', 'acmeAdmin', { company_id: world.companies.acme, name: 'x.csv', file_base64: '%%%not base64%%%' });
    await expectNothingStored(badBase64, 400, 'BAD_USER_INPUT');
    const noFile = () => call('POST', '/imports', 'acmeAdmin', { company_id: world.companies.acme, name: 'x.csv' });
    await expectNothingStored(noFile, 400, 'BAD_USER_INPUT');
    expect((await noFile()).body.error.details).toEqual([{ field: 'file_base64', message: expect.any(String) }]);
    await expectNothingStored(
      () => startImport(world.companies.acme, pngBytes(), 'acmeAdmin', 'users.csv'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });
});

describeRoute('GET', '/imports', () => {
  let eastImportId: number;
  beforeAll(async () => {
    const east = await startImport(world.companies.acmeEast, csv('east.import@example.com,East,Import,member'));
    eastImportId = east.body.import_file.id;
    await startImport(world.companies.acme, csv('second.import@example.com,Second,Import,member'));
    await finished(eastImportId);
  });
  const acmeTreeImports = () =>
    app.orm.em.fork().count(ImportFile, {
      company: { $in: [world.companies.acme, world.companies.acmeEast, world.companies.acmeEastLab] },
    });

  it('answers 200 {import_files, meta} with paging for an admin', async () => {
    const total = await acmeTreeImports();
    expect(total).toBeGreaterThanOrEqual(3);
    const { status, body } = await call('GET', '/imports?per_page=1&page=2', 'acmeAdmin');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['import_files', 'meta']);
    expectShape(body.meta, META);
    expect(body.meta).toEqual({ page: 2, per_page: 1, total, total_pages: total });
    expect(body.import_files).toHaveLength(1);
    expectShape(body.import_files[0], IMPORT_FILE);

    const all = await call('GET', '/imports?per_page=100', 'acmeAdmin');
    expect(all.body.import_files).toHaveLength(total);
    expect(all.body.import_files[1].id).toBe(body.import_files[0].id);
  });

  it('filters by company_id and shows a manager only the imports of its subtree', async () => {
    const filtered = await call('GET', `/imports?company_id=${world.companies.acmeEast}`, 'acmeAdmin');
    expect(filtered.status).toBe(200);
    expect(filtered.body.import_files.map((file: any) => file.id)).toEqual([eastImportId]);
    expect(filtered.body.meta).toEqual({ page: 1, per_page: 25, total: 1, total_pages: 1 });
    const manager = await call('GET', '/imports', 'eastManager');
    expect(manager.status).toBe(200);
    expect(manager.body.import_files.map((file: any) => file.company_id)).toEqual([world.companies.acmeEast]);
  });

  it('answers 403 for a member, 404 for a company of another tree and 401 without a token', async () => {
    const member = await call('GET', '/imports', 'eastMember');
    expect(member.status).toBe(403);
    expectErrorBody(member.body, 'FORBIDDEN');
    const otherTree = await call('GET', `/imports?company_id=${world.companies.acme}`, 'globexAdmin');
    expect(otherTree.status).toBe(404);
    expectErrorBody(otherTree.body, 'NOT_FOUND');
    const globex = await call('GET', '/imports', 'globexAdmin');
    expect(globex.body).toEqual({ import_files: [], meta: { page: 1, per_page: 25, total: 0, total_pages: 0 } });
    const anonymous = await call('GET', '/imports', 'anonymous');
    expect(anonymous.status).toBe(401);
    expectErrorBody(anonymous.body, 'UNAUTHENTICATED');
  });
});

describeRoute('GET', '/imports/:id', () => {
  let id: number;
  beforeAll(async () => {
    id = (await startImport(world.companies.acmeEast, csv('show.import@example.com,Show,Import,member'))).body.import_file.id;
    await finished(id);
  });

  it('answers 200 {import_file} for a manager of the company', async () => {
    const { status, body } = await call('GET', `/imports/${id}`, 'eastManager');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['import_file']);
    expectShape(body.import_file, IMPORT_FILE);
    expect(body.import_file).toMatchObject({
      id,
      company_id: world.companies.acmeEast,
      status: 'completed',
      total_rows: 1,
      created_count: 1,
      errors: [],
    });
  });

  it('answers 404 for an import of another tree exactly as for a missing one, 403 for a member', async () => {
    const otherTree = await call('GET', `/imports/${id}`, 'globexAdmin');
    const missing = await call('GET', '/imports/99999', 'globexAdmin');
    expect([otherTree.status, missing.status]).toEqual([404, 404]);
    expectErrorBody(otherTree.body, 'NOT_FOUND');
    expect(otherTree.body.error.message.replace(/\d+/, 'N')).toBe(missing.body.error.message.replace(/\d+/, 'N'));
    const member = await call('GET', `/imports/${id}`, 'eastMember');
    expect(member.status).toBe(403);
    expectErrorBody(member.body, 'FORBIDDEN');
    expect((await call('GET', '/imports/abc', 'acmeAdmin')).status).toBe(400);
    expect((await call('GET', `/imports/${id}`, 'anonymous')).status).toBe(401);
  });
});
