import { Resolver } from 'type-graphql';
import { AvatarMutations } from '../avatar/avatar.resolver';
import { User } from './user.entity';

/** `uploadUserAvatar(userId, file | base64)` and `removeUserAvatar(userId)`. */
@Resolver(() => User)
export class UserAvatarResolver extends AvatarMutations('users', User, 'userId') {}
