import { Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType } from 'type-graphql';
import { ImportFile } from './import-file.entity';

/** A row of an import that was not imported, with its 1-based row number and the reason. */
@ObjectType()
@Entity({ tableName: 'import_row_errors' })
@Unique({ properties: ['importFile', 'row'] })
export class ImportRowError {
  @PrimaryKey({ type: 'integer' })
  id!: number;

  @ManyToOne(() => ImportFile, { deleteRule: 'cascade' })
  importFile!: ImportFile;

  @Field(() => Int)
  @Property({ type: 'integer' })
  row!: number;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', length: 100, nullable: true })
  field?: string | null;

  @Field()
  @Property({ type: 'string', length: 500 })
  message!: string;
}
