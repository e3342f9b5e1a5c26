import { existsSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Company } from '../src/modules/company/company.entity';
import { User } from '../src/modules/user/user.entity';
import { ADMIN_OF_ACME_EAST, type Actor } from './helpers/fixtures';
import {
  base64Of,
  companyAvatarKey,
  gifBytes,
  jpegBytes,
  multipartGraphql,
  pngBytes,
  storedFileCount,
  userAvatarKey,
  webpBytes,
} from './helpers/uploads';
import { useTestWorld } from './helpers/setup';
import { expectFieldError } from './helpers/expect';
import { UPLOAD_USER_AVATAR } from './helpers/documents';

const REMOVE_USER = `mutation RemoveUserAvatar($userId: ID!) { removeUserAvatar(userId: $userId) { id avatarUrl } }`;
const UPLOAD_COMPANY = `mutation UploadCompanyAvatar($companyId: ID!, $file: Upload, $base64: Base64FileInput) {
  uploadCompanyAvatar(companyId: $companyId, file: $file, base64: $base64) { id avatarUrl }
}`;
const REMOVE_COMPANY = `mutation RemoveCompanyAvatar($companyId: ID!) { removeCompanyAvatar(companyId: $companyId) { id avatarUrl } }`;

describe('avatars', () => {
  const { app, world } = useTestWorld();
  const filesRoot = () => join(app.dataDir, 'files');
  const userKey = (id: number) => userAvatarKey(app, id);
  const companyKey = (id: number) => companyAvatarKey(app, id);
  const onDisk = (key: string) => existsSync(join(filesRoot(), key));
  const uploadUser = (userId: number, bytes: Buffer, actor: Actor) =>
    app.graphql(UPLOAD_USER_AVATAR, { userId: String(userId), base64: base64Of(bytes) }, world.tokenOf(actor));
  const uploadCompany = (companyId: number, bytes: Buffer, actor: Actor) =>
    app.graphql(UPLOAD_COMPANY, { companyId: String(companyId), base64: base64Of(bytes) }, world.tokenOf(actor));

  describe('a user avatar', () => {
    it('is stored under an unguessable key and served with safe, cacheable headers', async () => {
      const id = world.users.eastMember.id;
      const png = pngBytes(2, 2);
      const { body } = await uploadUser(id, png, 'eastMember');
      expect(body.errors).toBeUndefined();
      const key = await userKey(id);
      expect(key).toMatch(new RegExp(`^users/${id}/[0-9a-f]{32}\\.png$`));
      expect(body.data.uploadUserAvatar).toEqual({ id: String(id), avatarUrl: `/files/avatars/${key}` });

      const served = await fetch(`${app.url}${body.data.uploadUserAvatar.avatarUrl}`);
      expect(served.status).toBe(200);
      expect(Buffer.from(await served.arrayBuffer())).toEqual(png);
      expect(Object.fromEntries(served.headers)).toMatchObject({
        'content-type': 'image/png',
        'content-length': String(png.length),
        'x-content-type-options': 'nosniff',
        'cache-control': 'public, max-age=31536000, immutable',
        'content-disposition': 'inline',
      });

      const me = await app.graphql('{ me { avatarUrl } }', {}, world.token('eastMember'));
      expect(me.body.data.me.avatarUrl).toBe(`/files/avatars/${key}`);
    });

    it('replacing it deletes the old file once the new one is in place; removing it clears the URL and the file', async () => {
      const id = world.users.labMember.id;
      await uploadUser(id, pngBytes(), 'labMember');
      const first = (await userKey(id))!;
      expect(onDisk(first)).toBe(true);

      const { body } = await app.graphql(
        UPLOAD_USER_AVATAR,
        { userId: String(id), base64: base64Of(webpBytes(), 'a.webp', 'image/webp') },
        world.token('labMember'),
      );
      const second = (await userKey(id))!;
      expect(second).toMatch(/\.webp$/);
      expect(body.data.uploadUserAvatar.avatarUrl).toBe(`/files/avatars/${second}`);
      expect(onDisk(first)).toBe(false);
      expect(onDisk(second)).toBe(true);
      expect((await app.request('GET', `/files/avatars/${first}`)).status).toBe(404);

      const removed = await app.graphql(REMOVE_USER, { userId: String(id) }, world.token('labMember'));
      expect(removed.body.data.removeUserAvatar).toEqual({ id: String(id), avatarUrl: null });
      expect(await userKey(id)).toBeNull();
      expect(onDisk(second)).toBe(false);
      expect((await app.request('GET', `/files/avatars/${second}`)).status).toBe(404);

      const again = await app.graphql(REMOVE_USER, { userId: String(id) }, world.token('labMember'));
      expect(again.body.data.removeUserAvatar.avatarUrl).toBeNull();
    });

    it('can be sent as a multipart upload', async () => {
      const id = world.users.westMember.id;
      const { body } = await multipartGraphql(app, UPLOAD_USER_AVATAR, { userId: String(id), file: null }, gifBytes(), {
        token: world.token('westMember'),
        fileName: 'me.gif',
        fileType: 'image/gif',
      });
      expect(body.data.uploadUserAvatar.avatarUrl).toBe(`/files/avatars/${await userKey(id)}`);
    });

    it('leaves no new file behind when the database update fails', async () => {
      const id = world.users.eastManager.id;
      await uploadUser(id, pngBytes(), 'eastManager');
      const before = (await userKey(id))!;
      const files = storedFileCount(app);
      const connection = app.orm.em.getConnection();
      await connection.execute(`create function refuse_avatar() returns trigger language plpgsql as $$
        begin raise exception 'refused by the test'; end $$`);
      await connection.execute(
        'create trigger refuse_avatar before update of avatar_key on users for each row execute function refuse_avatar()',
      );
      try {
        const { body } = await uploadUser(id, jpegBytes(), 'eastManager');
        expect(body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      } finally {
        await connection.execute('drop trigger refuse_avatar on users');
        await connection.execute('drop function refuse_avatar()');
      }
      expect(await userKey(id)).toBe(before);
      expect(onDisk(before)).toBe(true);
      expect(storedFileCount(app)).toBe(files);
    });

    it.each<[Actor, string | null]>([
      ['superAdmin', null],
      ['acmeAdmin', null],
      ['labMember', null], // itself
      ['globexAdmin', 'NOT_FOUND'],
      ['westMember', 'NOT_FOUND'],
      ['eastManager', 'FORBIDDEN'],
      ['eastMember', 'FORBIDDEN'],
      ['anonymous', 'UNAUTHENTICATED'],
    ])('upload and removal by %s: %s', async (actor, code) => {
      const id = world.users.labMember.id;
      await app.orm.em.fork().nativeUpdate(User, { id }, { avatarKey: null });
      const files = storedFileCount(app);
      const uploaded = await uploadUser(id, pngBytes(), actor);
      const removed = await app.graphql(REMOVE_USER, { userId: String(id) }, world.tokenOf(actor));
      if (code === null) {
        expect(uploaded.body.errors).toBeUndefined();
        expect(uploaded.body.data.uploadUserAvatar.avatarUrl).toMatch(/^\/files\/avatars\/users\//);
        expect(removed.body.data.removeUserAvatar.avatarUrl).toBeNull();
      } else {
        expect(uploaded.body.errors[0].extensions.code).toBe(code);
        expect(removed.body.errors[0].extensions.code).toBe(code);
      }
      expect(await userKey(id)).toBeNull();
      expect(storedFileCount(app)).toBe(files);
    });

    it('refuses a removal by someone who may not, keeping the avatar', async () => {
      const id = world.users.labMember.id;
      await uploadUser(id, pngBytes(), 'labMember');
      const key = (await userKey(id))!;
      for (const [actor, code] of [
        ['eastManager', 'FORBIDDEN'],
        ['globexAdmin', 'NOT_FOUND'],
      ] as const) {
        const { body } = await app.graphql(REMOVE_USER, { userId: String(id) }, world.token(actor));
        expect(body.errors[0].extensions.code).toBe(code);
      }
      expect(await userKey(id)).toBe(key);
      expect(onDisk(key)).toBe(true);
    });

    it('answers NOT_FOUND for a user that does not exist and BAD_USER_INPUT for a malformed id', async () => {
      const missing = await uploadUser(999_999, pngBytes(), 'superAdmin');
      expect(missing.body.errors[0].extensions.code).toBe('NOT_FOUND');
      const malformed = await app.graphql(REMOVE_USER, { userId: 'abc' }, world.token('superAdmin'));
      expectFieldError(malformed, 'userId');
    });
  });

  describe('a company avatar', () => {
    it('is stored, served, replaced and removed like a user avatar', async () => {
      const id = world.companies.acmeEastLab;
      const jpeg = jpegBytes(4, 3);
      const { body } = await uploadCompany(id, jpeg, 'acmeAdmin');
      const first = (await companyKey(id))!;
      expect(first).toMatch(new RegExp(`^companies/${id}/[0-9a-f]{32}\\.jpg$`));
      expect(body.data.uploadCompanyAvatar).toEqual({ id: String(id), avatarUrl: `/files/avatars/${first}` });
      const served = await fetch(`${app.url}/files/avatars/${first}`);
      expect(served.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await served.arrayBuffer())).toEqual(jpeg);

      const company = await app.graphql(`{ company(id: "${id}") { avatarUrl } }`, {}, world.token('labMember'));
      expect(company.body.data.company.avatarUrl).toBe(`/files/avatars/${first}`);

      await uploadCompany(id, gifBytes(), 'acmeAdmin');
      const second = (await companyKey(id))!;
      expect(onDisk(first)).toBe(false);
      expect(onDisk(second)).toBe(true);

      const removed = await app.graphql(REMOVE_COMPANY, { companyId: String(id) }, world.token('acmeAdmin'));
      expect(removed.body.data.removeCompanyAvatar).toEqual({ id: String(id), avatarUrl: null });
      expect(await companyKey(id)).toBeNull();
      expect(onDisk(second)).toBe(false);
    });

    it('can be sent as a multipart upload', async () => {
      const id = world.companies.globexWest;
      const { body } = await multipartGraphql(app, UPLOAD_COMPANY, { companyId: String(id), file: null }, pngBytes(), {
        token: world.token('globexAdmin'),
      });
      expect(body.data.uploadCompanyAvatar.avatarUrl).toBe(`/files/avatars/${await companyKey(id)}`);
    });

    it.each(ADMIN_OF_ACME_EAST)('upload and removal on Acme East by %s: %s', async (actor, code) => {
      const id = world.companies.acmeEast;
      await app.orm.em.fork().nativeUpdate(Company, { id }, { avatarKey: null });
      const files = storedFileCount(app);
      const uploaded = await uploadCompany(id, pngBytes(), actor);
      const removed = await app.graphql(REMOVE_COMPANY, { companyId: String(id) }, world.tokenOf(actor));
      if (code === null) {
        expect(uploaded.body.errors).toBeUndefined();
        expect(uploaded.body.data.uploadCompanyAvatar.avatarUrl).toMatch(/^\/files\/avatars\/companies\//);
        expect(removed.body.data.removeCompanyAvatar.avatarUrl).toBeNull();
      } else {
        expect(uploaded.body.errors[0].extensions.code).toBe(code);
        expect(removed.body.errors[0].extensions.code).toBe(code);
      }
      expect(await companyKey(id)).toBeNull();
      expect(storedFileCount(app)).toBe(files);
    });

    it('refuses SVG for a company too, storing nothing', async () => {
      const id = world.companies.acme;
      const files = storedFileCount(app);
      const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>');
      const { body } = await app.graphql(
        UPLOAD_COMPANY,
        { companyId: String(id), base64: base64Of(svg, 'logo.png', 'image/png') },
        world.token('acmeAdmin'),
      );
      expect(body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(await companyKey(id)).toBeNull();
      expect(storedFileCount(app)).toBe(files);
    });
  });

  describe('the avatar route', () => {
    /** Sends the path exactly as written (fetch would normalise `..`). */
    const rawGet = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const sent = request(`${app.url}/`, { path, method: 'GET' }, (response) => {
          let body = '';
          response.on('data', (chunk) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        });
        sent.on('error', reject);
        sent.end();
      });

    let key: string;
    beforeAll(async () => {
      await uploadUser(world.users.acmeAdmin.id, pngBytes(), 'acmeAdmin');
      key = (await userKey(world.users.acmeAdmin.id))!;
    });

    it('answers an unknown key with a JSON 404', async () => {
      const unknown = await app.request('GET', `/files/avatars/users/1/${'0'.repeat(32)}.png`);
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ error: { code: 'NOT_FOUND', message: 'avatar not found' } });
    });

    it('serves a HEAD with the headers and no body', async () => {
      const head = await fetch(`${app.url}/files/avatars/${key}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('image/png');
      expect(head.headers.get('content-length')).toBe(String(pngBytes().length));
    });

    it.each([
      '/files/avatars/',
      '/files/avatars/users',
      '/files/avatars/users/{user}',
      '/files/avatars/users/{user}/',
      '/files/avatars/{key}.content-type',
      '/files/avatars/{encodedKey}',
      '/files/avatars/{key}%00',
      '/files/avatars/users/../{key}',
      '/files/avatars/../../jwt-secret',
      '/files/avatars/..%2F..%2Fjwt-secret',
      '/files/avatars/%2e%2e/%2e%2e/jwt-secret',
      '/files/avatars/imports/1/0123456789abcdef0123456789abcdef.csv',
    ])('refuses %s with a 404 and leaks nothing', async (template) => {
      const path = template
        .replace('{user}', String(world.users.acmeAdmin.id))
        .replace('{encodedKey}', key.replaceAll('/', '%2F'))
        .replace('{key}', key);
      const { status, body } = await rawGet(path);
      expect(status).toBe(404);
      expect(body).not.toMatch(/PNG|IHDR/);
      expect(body).not.toContain(app.config.jwt.secret);
    });

    it('serves nothing once the file is gone from storage', async () => {
      rmSync(join(filesRoot(), key));
      expect((await app.request('GET', `/files/avatars/${key}`)).status).toBe(404);
    });
  });
});
