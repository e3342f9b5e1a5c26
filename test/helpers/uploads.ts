import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { Company } from '../../src/modules/company/company.entity';
import { User } from '../../src/modules/user/user.entity';
import type { TestApp } from './test-app';

/** Small but well-formed images of each accepted type, with the dimensions their header declares. */

export function pngBytes(width = 1, height = 1): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  // One pixel row per line, filter byte 0; a huge declared size keeps a one-row body (header-only bomb).
  const rows = Math.min(height, 1);
  const pixels = Buffer.alloc(rows * (1 + Math.min(width, 1) * 3), 0x7f);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function jpegBytes(width = 1, height = 1): Buffer {
  const segment = (marker: number, data: number[]) => {
    const length = data.length + 2;
    return Buffer.from([0xff, marker, length >> 8, length & 0xff, ...data]);
  };
  const u16 = (value: number) => [value >> 8, value & 0xff];
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]), // APP0 JFIF
    segment(0xdb, [0x00, ...new Array(64).fill(1)]), // DQT
    segment(0xc0, [8, ...u16(height), ...u16(width), 1, 1, 0x11, 0]), // SOF0, one component
    segment(0xc4, [0x00, 1, ...new Array(15).fill(0), 0]), // DHT (DC)
    segment(0xc4, [0x10, 1, ...new Array(15).fill(0), 0]), // DHT (AC)
    segment(0xda, [1, 1, 0x00, 0, 63, 0]), // SOS
    Buffer.from([0x00, 0xff, 0xd9]),
  ]);
}

export function gifBytes(width = 1, height = 1): Buffer {
  const u16 = (value: number) => [value & 0xff, value >> 8];
  return Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'),
    ...u16(width),
    ...u16(height),
    0x80,
    0x00,
    0x00, // global color table of two entries
    0x00,
    0x00,
    0x00,
    0xff,
    0xff,
    0xff,
    0x2c,
    0x00,
    0x00,
    0x00,
    0x00,
    ...u16(width),
    ...u16(height),
    0x00,
    0x02,
    0x02,
    0x44,
    0x01,
    0x00,
    0x3b,
  ]);
}

export function webpBytes(width = 1, height = 1, kind: 'VP8L' | 'VP8 ' | 'VP8X' = 'VP8L'): Buffer {
  let payload: Buffer;
  if (kind === 'VP8L') {
    payload = Buffer.alloc(5);
    payload[0] = 0x2f;
    payload.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 1);
  } else if (kind === 'VP8 ') {
    payload = Buffer.alloc(10);
    payload.set([0x9d, 0x01, 0x2a], 3);
    payload.writeUInt16LE(width & 0x3fff, 6);
    payload.writeUInt16LE(height & 0x3fff, 8);
  } else {
    payload = Buffer.alloc(10);
    payload.writeUIntLE(width - 1, 4, 3);
    payload.writeUIntLE(height - 1, 7, 3);
  }
  const chunkHeader = Buffer.alloc(8);
  chunkHeader.write(kind, 0, 'latin1');
  chunkHeader.writeUInt32LE(payload.length, 4);
  const body = Buffer.concat([Buffer.from('WEBP', 'latin1'), chunkHeader, payload]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

export interface MultipartOptions {
  token?: string;
  /** Sends `Apollo-Require-Preflight: true` (default true); without it a multipart request needs a token. */
  preflight?: boolean;
  fileName?: string;
  fileType?: string;
  /** Extra files beyond the first, to test the one-file limit. */
  extraFiles?: number;
}

/** The body of a GraphQL multipart request (github.com/jaydenseric/graphql-multipart-request-spec), built by hand. */
export async function multipartBody(
  query: string,
  variables: Record<string, unknown>,
  file: Buffer,
  options: MultipartOptions = {},
): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables }));
  const extra = options.extraFiles ?? 0;
  const map: Record<string, string[]> = { 0: ['variables.file'] };
  for (let index = 1; index <= extra; index += 1) map[index] = [`variables.extra${index}`];
  form.append('map', JSON.stringify(map));
  form.append('0', new Blob([file], { type: options.fileType ?? 'image/png' }), options.fileName ?? 'avatar.png');
  for (let index = 1; index <= extra; index += 1) form.append(String(index), new Blob([file]), `extra${index}.png`);
  const encoded = new Request('http://localhost/', { method: 'POST', body: form });
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type')! };
}

export function multipartHeaders(options: MultipartOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.preflight ?? true) headers['apollo-require-preflight'] = 'true';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return headers;
}

/** Sends a GraphQL multipart request with fetch; gives up (and fails the test) after 20 seconds. */
export async function multipartGraphql(
  app: TestApp,
  query: string,
  variables: Record<string, unknown>,
  file: Buffer,
  options: MultipartOptions = {},
): Promise<{ status: number; body: any }> {
  const { body, contentType } = await multipartBody(query, variables, file, options);
  const response = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { ...multipartHeaders(options), 'content-type': contentType },
    body,
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed };
}

export const base64Of = (bytes: Buffer, name = 'avatar.png', type = 'image/png') => ({
  name,
  type,
  data: bytes.toString('base64'),
});

/** How many files the app stored under DATA_DIR/files (or a folder of it), not counting the `.content-type` files beside them unless asked. */
export function storedFileCount(app: TestApp, folder = '', { withContentTypes = false } = {}): number {
  try {
    return readdirSync(join(app.dataDir, 'files', folder), { recursive: true, withFileTypes: true }).filter(
      (entry) => entry.isFile() && (withContentTypes || !entry.name.endsWith('.content-type')),
    ).length;
  } catch {
    return 0;
  }
}

/** The avatar key stored on the user's row, null when it has none. */
export const userAvatarKey = async (app: TestApp, id: number) =>
  (await app.orm.em.fork().findOneOrFail(User, id)).avatarKey ?? null;

/** The avatar key stored on the company's row, null when it has none. */
export const companyAvatarKey = async (app: TestApp, id: number) =>
  (await app.orm.em.fork().findOneOrFail(Company, id)).avatarKey ?? null;
