import { ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { Company } from './company.entity';

@ObjectType()
export class CompanyConnection extends Connection(Company) {}
