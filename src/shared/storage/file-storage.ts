import type { Readable } from 'node:stream';

export interface StoredFile {
  bytes: Buffer;
  contentType: string;
}

export interface StoredFileStream {
  stream: Readable;
  contentType: string;
  size: number;
}

/**
 * Where uploaded files live. The local directory is the default; an object store implements the
 * same four calls when the gateway runs as several instances. Keys are chosen by the server.
 */
export interface FileStorage {
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The whole file, or null when no file has this key. */
  get(key: string): Promise<StoredFile | null>;
  /** The file as a stream (for serving it), or null when no file has this key. */
  stream(key: string): Promise<StoredFileStream | null>;
  /** Removes the file; removing a missing file is not an error. */
  delete(key: string): Promise<void>;
}

/**
 * Slash-separated segments of letters, digits, `_` and `-`, the last one with an optional
 * `.extension`: no `..`, no empty segment, no leading slash, nothing to decode.
 */
const STORAGE_KEY = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*(?:\.[a-z0-9]{1,10})?$/;
const MAX_KEY_LENGTH = 255;

export function isValidStorageKey(key: string): boolean {
  return key.length <= MAX_KEY_LENGTH && STORAGE_KEY.test(key);
}

export function assertValidStorageKey(key: string): void {
  if (!isValidStorageKey(key)) throw new Error(`invalid storage key ${JSON.stringify(key)}`);
}
