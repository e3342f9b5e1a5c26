import { Field, ObjectType } from 'type-graphql';
import { User } from '../user/user.entity';

@ObjectType({
  description:
    'A session: send `token` as `Authorization: Bearer <token>`; before it expires, exchange `refreshToken` for a new pair with `refreshSession`.',
})
export class AuthPayload {
  @Field({ description: 'The access token (a JWT), valid until `expiresAt`.' })
  token!: string;

  @Field()
  expiresAt!: Date;

  @Field({ description: 'Single use: `refreshSession` returns a new one. Presenting a used one again ends the session.' })
  refreshToken!: string;

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
