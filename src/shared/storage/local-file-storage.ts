import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { assertValidStorageKey, type FileStorage, type StoredFile, type StoredFileStream } from './file-storage';

/**
 * The content type is kept in a small file next to the data. Its suffix contains a `-`, which a
 * key's extension never does, so no key can name another key's metadata.
 */
const CONTENT_TYPE_SUFFIX = '.content-type';

/** Files in a local directory (`<DATA_DIR>/files`), written atomically: temp file, then rename. */
export class LocalFileStorage implements FileStorage {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    // Data first, metadata last: a file without its metadata is never served.
    await writeAtomically(path, bytes);
    await writeAtomically(`${path}${CONTENT_TYPE_SUFFIX}`, Buffer.from(contentType, 'utf8'));
  }

  async get(key: string): Promise<StoredFile | null> {
    const path = this.pathOf(key);
    const contentType = await this.contentTypeOf(path);
    if (contentType === null) return null;
    const bytes = await readFile(path).catch(nullWhenMissing);
    return bytes && { bytes, contentType };
  }

  async stream(key: string): Promise<StoredFileStream | null> {
    const path = this.pathOf(key);
    const contentType = await this.contentTypeOf(path);
    if (contentType === null) return null;
    // Opened before answering, so a missing file is a null and not a broken response.
    const handle = await open(path, 'r').catch(nullWhenMissing);
    if (!handle) return null;
    try {
      const { size } = await handle.stat();
      return { stream: handle.createReadStream(), contentType, size };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    await rm(`${path}${CONTENT_TYPE_SUFFIX}`, { force: true });
    await rm(path, { force: true });
  }

  /** The key's path under the root; the key is validated and the result checked to stay inside. */
  private pathOf(key: string): string {
    assertValidStorageKey(key);
    const path = resolve(this.root, ...key.split('/'));
    if (!path.startsWith(this.root + sep)) throw new Error(`storage key ${JSON.stringify(key)} leaves the storage root`);
    return path;
  }

  private async contentTypeOf(path: string): Promise<string | null> {
    const info = await stat(path).catch(nullWhenMissing);
    if (!info?.isFile()) return null;
    const contentType = await readFile(`${path}${CONTENT_TYPE_SUFFIX}`, 'utf8').catch(nullWhenMissing);
    return contentType || null;
  }
}

async function writeAtomically(path: string, bytes: Buffer): Promise<void> {
  // A dot name is never a valid key, so a half-written temp file can never be served.
  const temp = join(dirname(path), `.tmp-${randomBytes(8).toString('hex')}`);
  try {
    await writeFile(temp, bytes, { flag: 'wx', mode: 0o640 });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

function nullWhenMissing(error: NodeJS.ErrnoException): null {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR' || error.code === 'EISDIR') return null;
  throw error;
}
