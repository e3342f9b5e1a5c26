import type { Readable } from 'node:stream';
import { MaxLength } from 'class-validator';
import type { FileUpload } from 'graphql-upload-minimal';
import { Field, InputType } from 'type-graphql';
import { badInput, DomainError, invalidField } from '../errors';
import { MAX_FILE_NAME_LENGTH, MAX_MEDIA_TYPE_LENGTH } from '../field-rules';

export const MIB = 1024 * 1024;

/** The largest file any operation accepts (avatars and imports: 5 MiB); multipart parsing cuts a file off past it. */
export const MAX_UPLOAD_BYTES = 5 * MIB;

/**
 * A JSON request to /graphql may carry one MAX_UPLOAD_BYTES file in base64 (4/3 of it) plus the
 * operation and the other fields, and not a byte more: every larger body is refused (413) unread.
 */
export const MAX_GRAPHQL_JSON_BYTES = Math.ceil(MAX_UPLOAD_BYTES / 3) * 4 + 64 * 1024;

@InputType({ description: 'A file sent inline in a JSON request (what the REST layer passes for `*_base64`).' })
export class Base64FileInput {
  @Field({ description: 'The original file name (informative only).' })
  @MaxLength(MAX_FILE_NAME_LENGTH)
  name!: string;

  @Field({ description: 'The MIME type the client claims (informative only: the bytes decide).' })
  @MaxLength(MAX_MEDIA_TYPE_LENGTH)
  type!: string;

  @Field({ description: 'The bytes in base64; a `data:<type>;base64,` prefix is tolerated.' })
  data!: string;
}

/** The two ways an operation may receive one file: a multipart `Upload` or inline base64. */
export interface FileInputArgs {
  file?: Promise<FileUpload> | null;
  base64?: Base64FileInput | null;
}

export interface ReceivedFile {
  bytes: Buffer;
  name: string;
  /** What the client said the type is; never trust it for anything but messages. */
  declaredType: string;
}

const DATA_URL_PREFIX = /^data:[^,]{0,200};base64,/i;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Reads the one file an operation received, refusing it (PAYLOAD_TOO_LARGE) as soon as it passes
 * `maxBytes`: a base64 text is measured before decoding, and a multipart stream is no longer
 * buffered past the limit.
 */
export async function readFileInput({ file, base64 }: FileInputArgs, { maxBytes }: { maxBytes: number }): Promise<ReceivedFile> {
  if (Boolean(file) === Boolean(base64)) {
    throw badInput('give exactly one of file (a multipart upload) or base64', [
      { field: 'file', message: 'give exactly one of file or base64' },
      { field: 'base64', message: 'give exactly one of file or base64' },
    ]);
  }
  return file ? readUpload(file, maxBytes) : decodeBase64(base64!, maxBytes);
}

function decodeBase64(input: Base64FileInput, maxBytes: number): ReceivedFile {
  const text = input.data.replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (Math.floor((text.length * 3) / 4) - padding > maxBytes) throw tooLarge(maxBytes);
  if (!BASE64.test(text) || text.length % 4 === 1 || (padding > 0 && text.length % 4 !== 0)) {
    throw invalidField('base64.data', 'is not valid base64');
  }
  return { bytes: Buffer.from(text, 'base64'), name: input.name, declaredType: input.type };
}

async function readUpload(upload: Promise<FileUpload>, maxBytes: number): Promise<ReceivedFile> {
  let stream: Readable;
  let received: FileUpload;
  try {
    received = await upload;
    stream = received.createReadStream();
  } catch (error) {
    throw uploadError(error, maxBytes);
  }
  const bytes = await collect(stream, maxBytes);
  return { bytes, name: received.filename ?? '', declaredType: received.mimetype ?? '' };
}

/** Buffers a stream up to `maxBytes`; past it, the rest is discarded so the request still ends. */
function collect(stream: Readable & { truncated?: boolean }, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const refuse = () => {
      stream.off('data', onData);
      stream.resume();
      reject(tooLarge(maxBytes));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) refuse();
      else chunks.push(chunk);
    };
    stream.on('data', onData);
    // The multipart parser's own limit cuts the file short and says so.
    stream.once('limit', refuse);
    stream.once('end', () => (stream.truncated ? reject(tooLarge(maxBytes)) : resolve(Buffer.concat(chunks))));
    stream.once('error', (error) => reject(uploadError(error, maxBytes)));
  });
}

/** graphql-upload-minimal rejects with HTTP-style errors; keep their meaning, not their text. */
function uploadError(error: unknown, maxBytes: number): Error {
  const status = (error as { status?: unknown } | null)?.status;
  if (status === 413) return tooLarge(maxBytes);
  if (status === 400 || status === 499) return invalidField('file', 'was not received completely');
  return error instanceof Error ? error : new Error(String(error));
}

function tooLarge(maxBytes: number): DomainError {
  return new DomainError('PAYLOAD_TOO_LARGE', `the file is larger than ${formatBytes(maxBytes)}`);
}

function formatBytes(bytes: number): string {
  return bytes % MIB === 0 ? `${bytes / MIB} MiB` : `${bytes} bytes`;
}
