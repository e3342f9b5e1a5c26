import { ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { ImportFile } from './import-file.entity';

@ObjectType()
export class ImportFileConnection extends Connection(ImportFile) {}
