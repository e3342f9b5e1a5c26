import { Entity, Enum, Index, ManyToOne, type Opt, Property } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { IdentifiedEntity } from '../../db/timestamped.entity';
import { Company } from '../company/company.entity';
import { MAX_FILE_NAME_LENGTH } from '../../shared/field-rules';
import { User } from '../user/user.entity';

export enum ImportStatus {
  QUEUED = 'queued',
  PROCESSING = 'processing',
  COMPLETED = 'completed',
  FAILED = 'failed',
}
registerEnumType(ImportStatus, { name: 'ImportStatus' });

/**
 * A bulk CSV import of users, and the durable progress of its background job (a job of the
 * `import` queue): rows are committed batch by batch, so a retry or a restart resumes after the
 * last committed batch.
 */
@ObjectType()
@Entity({ tableName: 'import_files' })
export class ImportFile extends IdentifiedEntity {
  @Field()
  @Property({ type: 'string', length: MAX_FILE_NAME_LENGTH })
  name!: string;

  @Index()
  @ManyToOne(() => Company, { deleteRule: 'cascade' })
  company!: Company;

  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  createdBy?: User | null;

  @Property({ type: 'string' })
  storageKey!: string;

  @Field(() => ImportStatus)
  @Index()
  @Enum({ items: () => ImportStatus, default: ImportStatus.QUEUED })
  status: Opt<ImportStatus> = ImportStatus.QUEUED;

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  totalRows: Opt<number> = 0;

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  processedRows: Opt<number> = 0;

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  createdCount: Opt<number> = 0;

  @Field(() => Int)
  @Property({ type: 'integer', default: 0 })
  failedCount: Opt<number> = 0;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  startedAt?: Date | null;

  @Field(() => Date, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  finishedAt?: Date | null;
}
