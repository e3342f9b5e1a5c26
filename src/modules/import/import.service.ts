import { randomBytes } from 'node:crypto';
import type { MaybePromise } from '../../shared/maybe-promise';
import type { RequestContext } from '../request-context';
import { loadExisting } from '../../db/load-existing';
import type { Page, PageRequest } from '../../db/page';
import { paginate } from '../../db/paginate';
import { intArray } from '../../db/read-models';
import { SqlConditions } from '../../db/sql-conditions';
import { authorize, companiesWhere } from '../auth/policy';
import { forbidden, notFound } from '../../shared/errors';
import { MAX_FILE_NAME_LENGTH } from '../../shared/field-rules';
import { type FileInputArgs, MIB, readFileInput } from '../../shared/files/file-input';
import type { Company } from '../company/company.entity';
import { assertImportableCsv } from './import-csv';
import { ImportFile } from './import-file.entity';
import { queueImportJob } from './import-jobs';
import type { ImportRowErrorView } from './import.loaders';

export const MAX_IMPORT_BYTES = 5 * MIB;

const DEFAULT_NAME = 'import.csv';
// Control characters and the bidirectional overrides that can disguise a file name.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_NAME_CHARACTERS = /[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g;

/** CSV imports of users: admins start them, managers and above follow them. */
export class ImportService {
  constructor(private readonly ctx: RequestContext) {}

  /**
   * Checks and stores the file, queues the import and its job in one transaction and returns it at
   * once; a worker of the `import` queue processes it. When the row cannot be written, the stored file is deleted again.
   */
  async start(companyId: number, input: FileInputArgs): Promise<ImportFile> {
    const viewer = this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    authorize(scope, 'import.manage', companyId, { kind: 'company', id: companyId });
    await loadExisting(this.ctx.loaders.companyById, companyId, 'company');

    const received = await readFileInput(input, { maxBytes: MAX_IMPORT_BYTES });
    assertImportableCsv(received.bytes);
    const { storage, logger, jobs } = this.ctx.deps;
    const storageKey = `imports/${companyId}/${randomBytes(16).toString('hex')}.csv`;
    await storage.put(storageKey, received.bytes, 'text/csv');
    let importFile: ImportFile;
    try {
      importFile = await this.ctx.em.transactional(async (tx) => {
        const name = importFileName(received.name);
        const queued = tx.create(ImportFile, { name, company: companyId, createdBy: viewer.id, storageKey });
        await tx.flush();
        await this.ctx.services.audit.record(tx, {
          action: 'import.start',
          targetType: 'import_file',
          targetId: queued.id,
          companyId,
          changes: { name: { old: null, new: name } },
        });
        await queueImportJob(jobs, tx, queued.id);
        return queued;
      });
    } catch (error) {
      await storage
        .delete(storageKey)
        .catch((cleanup) => logger.warn({ err: cleanup, key: storageKey }, 'could not delete a stored file'));
      throw error;
    }
    return importFile;
  }

  /**
   * Imports of the companies where the viewer is a manager or above (all of them for a super_admin),
   * in the request's order. Naming a company the viewer cannot read imports of is refused like `importFile`.
   */
  async list(companyId: number | undefined, request: PageRequest): Promise<Page<ImportFile>> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    const where = new SqlConditions();
    if (companyId !== undefined) {
      authorize(scope, 'import.read', companyId, { kind: 'company', id: companyId });
      where.add('i.company_id = ?::bigint', companyId);
    } else {
      const readable = companiesWhere(scope, 'import.read');
      if (readable?.length === 0) throw forbidden('imports are for managers and above');
      if (readable) where.add('i.company_id = any(?::bigint[])', intArray(readable));
    }
    return paginate(this.ctx.em, ImportFile, 'i', where, request);
  }

  /** NOT_FOUND when the viewer does not see the import's company, FORBIDDEN below manager there. */
  async findReadable(id: number): Promise<ImportFile> {
    this.ctx.requireViewer();
    const scope = await this.ctx.scope();
    const importFile = await this.ctx.em.findOne(ImportFile, id);
    if (!importFile) throw notFound('import file', id);
    authorize(scope, 'import.read', importFile.company.id, { kind: 'import file', id });
    return importFile;
  }

  /** Only readable imports reach the graph, so their company is visible to the viewer. */
  companyOf(importFile: ImportFile): MaybePromise<Company> {
    return loadExisting(this.ctx.loaders.companyById, importFile.company.id, 'company');
  }

  errorsOf(importFile: ImportFile): MaybePromise<ImportRowErrorView[]> {
    return this.ctx.loaders.rowErrorsByImportId.load(importFile.id);
  }
}

/** The client's file name without any path, control or bidi-override characters, at most MAX_FILE_NAME_LENGTH characters. */
function importFileName(given: string): string {
  const base = given.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(UNSAFE_NAME_CHARACTERS, '').trim();
  return [...(clean || DEFAULT_NAME)].slice(0, MAX_FILE_NAME_LENGTH).join('');
}
