import { Field, ObjectType } from 'type-graphql';
import { User } from '../user/user.entity';

@ObjectType({ description: 'A signed access token; send it as `Authorization: Bearer <token>`.' })
export class AuthPayload {
  @Field()
  token!: string;

  @Field()
  expiresAt!: Date;

  @Field(() => User)
  user!: User;
}

@ObjectType()
export class TokenInfo {
  @Field()
  valid!: boolean;

  @Field()
  expiresAt!: Date;

  @Field(() => User)
  user!: User;
}
