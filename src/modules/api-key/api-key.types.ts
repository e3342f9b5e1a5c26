import { Field, ObjectType } from 'type-graphql';
import { ApiKey } from './api-key.entity';

@ObjectType({ description: 'A new key and its secret: the only time the secret is shown.' })
export class CreateApiKeyPayload {
  @Field({ description: 'Send it as `Authorization: Bearer lsk_…`; only its hash is stored, so keep it now.' })
  secret!: string;

  @Field(() => ApiKey)
  apiKey!: ApiKey;
}
