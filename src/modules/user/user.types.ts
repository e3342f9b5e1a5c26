import { ObjectType } from 'type-graphql';
import { Connection } from '../../graphql/connection';
import { User } from './user.entity';

@ObjectType()
export class UserConnection extends Connection(User) {}
