import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { User } from '../src/modules/user/user.entity';
import { MAX_GRAPHQL_JSON_BYTES, MAX_UPLOAD_BYTES } from '../src/shared/files/file-input';
import { detectImage } from '../src/shared/files/image-type';
import { LocalFileStorage } from '../src/shared/storage/local-file-storage';
import {
  base64Of,
  gifBytes,
  jpegBytes,
  multipartBody,
  multipartGraphql,
  multipartHeaders,
  pngBytes,
  webpBytes,
} from './helpers/uploads';
import { useTestWorld } from './helpers/setup';
import { expectFieldError } from './helpers/expect';
import { LOGIN, UPLOAD_USER_AVATAR } from './helpers/documents';
import { PASSWORD } from './helpers/fixtures';
import type { TestApp } from './helpers/test-app';

const sessionCount = async (app: TestApp): Promise<number> =>
  Number((await app.orm.em.fork().getConnection().execute('select count(*) as n from sessions'))[0].n);

const MIB = 1024 * 1024;

/** Every file under a directory, relative to it (empty when it does not exist). */
function filesUnder(root: string): string[] {
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
      .sort();
  } catch {
    return [];
  }
}

describe('local file storage', () => {
  let root: string;
  let storage: LocalFileStorage;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'storage-test-'));
    storage = new LocalFileStorage(root);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('stores, reads, streams and deletes a file with its content type, leaving no temp file', async () => {
    await storage.put('users/1/abc.png', Buffer.from('bytes'), 'image/png');
    expect(await storage.get('users/1/abc.png')).toEqual({ bytes: Buffer.from('bytes'), contentType: 'image/png' });
    const streamed = await storage.stream('users/1/abc.png');
    expect(streamed).toMatchObject({ contentType: 'image/png', size: 5 });
    const chunks: Buffer[] = [];
    for await (const chunk of streamed!.stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('bytes');
    expect(filesUnder(root)).toEqual(['users/1/abc.png', 'users/1/abc.png.content-type']);

    await storage.put('users/1/abc.png', Buffer.from('other'), 'image/gif');
    expect(await storage.get('users/1/abc.png')).toEqual({ bytes: Buffer.from('other'), contentType: 'image/gif' });

    await storage.delete('users/1/abc.png');
    expect(await storage.get('users/1/abc.png')).toBeNull();
    expect(await storage.stream('users/1/abc.png')).toBeNull();
    expect(filesUnder(root)).toEqual([]);
    await expect(storage.delete('users/1/abc.png')).resolves.toBeUndefined();
  });

  it('answers null for a missing file, a directory, or a file whose metadata is missing', async () => {
    await storage.put('users/1/abc.png', Buffer.from('bytes'), 'image/png');
    expect(await storage.get('users/2/abc.png')).toBeNull();
    expect(await storage.get('users/1')).toBeNull();
    expect(await storage.get('users')).toBeNull();
    rmSync(join(root, 'users/1/abc.png.content-type'));
    expect(await storage.get('users/1/abc.png')).toBeNull();
  });

  it.each([
    '../escape.png',
    'users/../../escape',
    '/etc/passwd',
    'users//1.png',
    'users/1/a%2Fb.png',
    'a\\b',
    '',
    '.hidden',
    'users/1/x.png.content-type',
    'a/./b',
  ])('refuses the key %j', async (key) => {
    await expect(storage.put(key, Buffer.from('x'), 'text/plain')).rejects.toThrow(/storage key/);
    await expect(storage.get(key)).rejects.toThrow(/storage key/);
    await expect(storage.delete(key)).rejects.toThrow(/storage key/);
    expect(filesUnder(root)).toEqual([]);
  });
});

describe('image detection', () => {
  it.each([
    ['PNG', pngBytes(3, 2), 'image/png', 'png'],
    ['JPEG', jpegBytes(3, 2), 'image/jpeg', 'jpg'],
    ['GIF', gifBytes(3, 2), 'image/gif', 'gif'],
    ['WebP lossless', webpBytes(3, 2, 'VP8L'), 'image/webp', 'webp'],
    ['WebP lossy', webpBytes(3, 2, 'VP8 '), 'image/webp', 'webp'],
    ['WebP extended', webpBytes(3, 2, 'VP8X'), 'image/webp', 'webp'],
  ])('reads a %s and its dimensions from the bytes', (_label, bytes, contentType, extension) => {
    expect(detectImage(bytes)).toEqual({ contentType, extension, width: 3, height: 2 });
  });

  it('reads large dimensions from every header kind', () => {
    expect(detectImage(pngBytes(20_000, 1))).toMatchObject({ width: 20_000, height: 1 });
    expect(detectImage(jpegBytes(1, 30_000))).toMatchObject({ width: 1, height: 30_000 });
    expect(detectImage(gifBytes(65_535, 2))).toMatchObject({ width: 65_535, height: 2 });
    expect(detectImage(webpBytes(16_000, 5, 'VP8X'))).toMatchObject({ width: 16_000, height: 5 });
    expect(detectImage(webpBytes(16_383, 5, 'VP8L'))).toMatchObject({ width: 16_383, height: 5 });
  });

  it.each([
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')],
    ['HTML', Buffer.from('<!doctype html><html><body>hi</body></html>')],
    ['text', Buffer.from('just some text')],
    ['empty', Buffer.alloc(0)],
    ['a bare PNG signature', pngBytes().subarray(0, 12)],
    ['a JPEG without a frame', Buffer.from([0xff, 0xd8, 0xff, 0xd9])],
    ['a zero-sized GIF', gifBytes(0, 0)],
    ['a RIFF that is not WebP', Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEfmt '), Buffer.alloc(20)])],
  ])('refuses %s', (_label, bytes) => {
    expect(detectImage(bytes)).toBeNull();
  });
});

describe('file inputs over HTTP', () => {
  const { app, world } = useTestWorld();
  let userId: string;
  let token: string;
  let filesRoot: string;

  beforeAll(async () => {
    userId = String(world.users.eastMember.id);
    token = world.token('eastMember');
    filesRoot = join(app.dataDir, 'files');
  });
  beforeEach(() => rmSync(filesRoot, { recursive: true, force: true }));

  const storedKey = async () => (await app.orm.em.fork().findOneOrFail(User, Number(userId))).avatarKey ?? null;
  const upload = (variables: Record<string, unknown>) => app.graphql(UPLOAD_USER_AVATAR, { userId, ...variables }, token);

  it.each([
    ['the Authorization header alone (what apollo-upload-client sends)', false],
    ['the Apollo-Require-Preflight header too', true],
  ])('accepts a multipart upload sent with %s', async (_label, preflight) => {
    const { status, body } = await multipartGraphql(app, UPLOAD_USER_AVATAR, { userId, file: null }, pngBytes(), {
      token,
      preflight,
    });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const key = await storedKey();
    expect(body.data.uploadUserAvatar.avatarUrl).toBe(`/files/avatars/${key}`);
    expect(filesUnder(filesRoot)).toEqual([key, `${key}.content-type`]);
  });

  it('refuses a multipart request with neither a credential nor a preflight header with 400 (a cross-site form), storing nothing', async () => {
    const before = await storedKey();
    const { status, body } = await multipartGraphql(app, UPLOAD_USER_AVATAR, { userId, file: null }, pngBytes(), {
      preflight: false,
    });
    expect(status).toBe(400);
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toMatch(/Authorization header.*cross-site form/s);
    expect(await storedKey()).toBe(before);
    expect(filesUnder(filesRoot)).toEqual([]);
  });

  it('runs no anonymous mutation sent as a cross-site form would (multipart, no headers): no login, no session', async () => {
    const sessionsBefore = await sessionCount(app);
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({ query: LOGIN, variables: { email: world.users.eastMember.email, password: PASSWORD } }),
    );
    form.append('map', '{}');
    const response = await fetch(`${app.url}/graphql`, { method: 'POST', body: form });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).not.toContain('token');
    expect(await sessionCount(app)).toBe(sessionsBefore);
  });

  it('accepts a base64 file, with or without a data URL prefix', async () => {
    const plain = await upload({ base64: base64Of(gifBytes()) });
    expect(plain.body.data.uploadUserAvatar.avatarUrl).toMatch(/\.gif$/);
    const prefixed = await upload({
      base64: { ...base64Of(gifBytes()), data: `data:image/gif;base64,${gifBytes().toString('base64')}` },
    });
    expect(prefixed.body.errors).toBeUndefined();
    expect(prefixed.body.data.uploadUserAvatar.avatarUrl).toMatch(/\.gif$/);
  });

  it.each(['not base64 at all!', 'abcde', 'ab=c', 'YWJj=', '%%%%'])(
    'refuses the undecodable base64 %j with BAD_USER_INPUT',
    async (data) => {
      const before = await storedKey();
      const result = await upload({ base64: { name: 'a.png', type: 'image/png', data } });
      expectFieldError(result, 'base64.data');
      expect(await storedKey()).toBe(before);
      expect(filesUnder(filesRoot)).toEqual([]);
    },
  );

  it('wants exactly one of file or base64', async () => {
    const neither = await upload({});
    expect(neither.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const both = await multipartGraphql(
      app,
      UPLOAD_USER_AVATAR,
      { userId, file: null, base64: base64Of(pngBytes()) },
      pngBytes(),
      { token },
    );
    expect(both.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(both.body.errors[0].extensions.details.map((d: { field: string }) => d.field)).toEqual(['file', 'base64']);
    expect(filesUnder(filesRoot)).toEqual([]);
  });

  it('refuses a file variable that is not a multipart upload', async () => {
    const { body } = await upload({ file: base64Of(pngBytes()).data });
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(filesUnder(filesRoot)).toEqual([]);
  });

  it('refuses more than 5 MiB in base64 with PAYLOAD_TOO_LARGE', async () => {
    const big = Buffer.concat([pngBytes(), Buffer.alloc(5 * MIB)]);
    const { status, body } = await upload({ base64: base64Of(big) });
    expect(status).toBe(200);
    expect(body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(filesUnder(filesRoot)).toEqual([]);
  });

  it('accepts exactly 5 MiB', async () => {
    const exact = Buffer.concat([pngBytes(), Buffer.alloc(5 * MIB - pngBytes().length)]);
    const { body } = await upload({ base64: base64Of(exact) });
    expect(body.errors).toBeUndefined();
    expect(body.data.uploadUserAvatar.avatarUrl).toMatch(/\.png$/);
  });

  it.each([
    ['just over 5 MiB', 5 * MIB + 1],
    ['over the multipart limit of every operation', MAX_UPLOAD_BYTES + 2 * MIB],
  ])('refuses a multipart upload %s with PAYLOAD_TOO_LARGE, without hanging', async (_label, size) => {
    const big = Buffer.concat([pngBytes(), Buffer.alloc(size - pngBytes().length)]);
    const started = Date.now();
    const { status, body } = await multipartGraphql(app, UPLOAD_USER_AVATAR, { userId, file: null }, big, { token });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(status).toBe(200);
    expect(body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(filesUnder(filesRoot)).toEqual([]);
    // The connection is still usable afterwards.
    expect((await app.graphql('{ me { id } }', {}, token)).body.data.me.id).toBe(userId);
  });

  it('answers a refused multipart upload it never reads (not allowed) without hanging', async () => {
    const big = Buffer.concat([pngBytes(), Buffer.alloc(4 * MIB)]);
    const { body } = await multipartGraphql(
      app,
      UPLOAD_USER_AVATAR,
      { userId: String(world.users.labMember.id), file: null },
      big,
      {
        token,
      },
    );
    expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(filesUnder(filesRoot)).toEqual([]);
  });

  it('keeps a keep-alive connection usable after an upload the operation never read', async () => {
    // One socket for both requests: the second waits for whatever the first left unread.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const post = (body: Buffer, headers: Record<string, string>) =>
      new Promise<{ status: number; body: any }>((resolve, reject) => {
        const sent = request(`${app.url}/graphql`, { method: 'POST', agent, headers }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString()) }));
        });
        sent.on('error', reject);
        sent.end(body);
      });
    try {
      const big = Buffer.concat([pngBytes(), Buffer.alloc(4 * MIB)]);
      const forbidden = { userId: String(world.users.labMember.id), file: null };
      const multipart = await multipartBody(UPLOAD_USER_AVATAR, forbidden, big);
      const refused = await post(multipart.body, { ...multipartHeaders({ token }), 'content-type': multipart.contentType });
      expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');

      const started = Date.now();
      const next = await post(Buffer.from(JSON.stringify({ query: '{ me { id } }' })), {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
      });
      expect(next.body.data.me.id).toBe(userId);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      agent.destroy();
    }
  });

  it('refuses a second file in one multipart request with PAYLOAD_TOO_LARGE', async () => {
    const { status, body } = await multipartGraphql(app, UPLOAD_USER_AVATAR, { userId, file: null }, pngBytes(), {
      token,
      extraFiles: 1,
    });
    expect(status).toBe(413);
    expect(body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers a broken multipart request with a GraphQL error', async () => {
    const form = new FormData();
    form.append('operations', '{not json');
    form.append('map', '{}');
    const response = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${token}` },
      body: form,
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as any;
    expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('answers a JSON body over the limit and malformed JSON with GraphQL errors', async () => {
    const tooBig = await app.request('POST', '/graphql', {
      body: JSON.stringify({ query: '{ me { id } }', variables: { padding: 'x'.repeat(MAX_GRAPHQL_JSON_BYTES) } }),
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    const malformed = await app.request('POST', '/graphql', { body: '{"query": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it.each([
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/svg+xml', 'a.svg'],
    ['HTML', Buffer.from('<html><script>alert(1)</script></html>'), 'image/png', 'a.png'],
    ['text', Buffer.from('hello'), 'image/png', 'a.png'],
    ['an empty file', Buffer.alloc(0), 'image/png', 'a.png'],
  ])('refuses %s with UNSUPPORTED_MEDIA_TYPE and stores nothing', async (_label, bytes, type, name) => {
    const before = await storedKey();
    const inline = await upload({ base64: base64Of(bytes, name, type) });
    expect(inline.body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const multipart = await multipartGraphql(app, UPLOAD_USER_AVATAR, { userId, file: null }, bytes, {
      token,
      fileName: name,
      fileType: type,
    });
    expect(multipart.body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await storedKey()).toBe(before);
    expect(filesUnder(filesRoot)).toEqual([]);
  });

  it.each([
    ['PNG', pngBytes(20_000, 1)],
    ['GIF', gifBytes(10_001, 10)],
    ['JPEG', jpegBytes(100, 60_000)],
    ['WebP', webpBytes(50_000, 50_000, 'VP8X')],
  ])('refuses a %s declaring absurd dimensions', async (_label, bytes) => {
    const { body } = await upload({ base64: base64Of(bytes) });
    expect(body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(body.errors[0].message).toMatch(/at most 10000 pixels/);
    expect(filesUnder(filesRoot)).toEqual([]);
  });

  it.each([
    ['PNG', pngBytes(10_000, 10_000), 'image/png'],
    ['JPEG', jpegBytes(), 'image/jpeg'],
    ['WebP', webpBytes(), 'image/webp'],
    ['GIF', gifBytes(), 'image/gif'],
  ])('stores a %s with the type its bytes show', async (_label, bytes, contentType) => {
    const { body } = await multipartGraphql(app, UPLOAD_USER_AVATAR, { userId, file: null }, bytes, {
      token,
      fileName: 'x.txt',
      fileType: 'text/html',
    });
    expect(body.errors).toBeUndefined();
    const served = await app.request('GET', body.data.uploadUserAvatar.avatarUrl);
    expect(served.headers.get('content-type')).toBe(contentType);
  });

  it('ignores a lying type and name: JPEG bytes named and typed as PNG are stored as JPEG', async () => {
    const { body } = await upload({ base64: base64Of(jpegBytes(), 'photo.png', 'image/png') });
    expect(body.data.uploadUserAvatar.avatarUrl).toMatch(/\.jpg$/);
    const served = await fetch(`${app.url}${body.data.uploadUserAvatar.avatarUrl}`);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(jpegBytes());
  });
});
