import { Field, ID, InputType } from 'type-graphql';
import { MAX_API_KEY_NAME_LENGTH } from '../../shared/field-rules';
import { IsApiKeyName, IsRowId } from '../../shared/field-rule-validators';

@InputType({ description: 'A key for machines in a company: its secret is shown once, in the answer.' })
export class CreateApiKeyInput {
  @Field(() => ID, { description: 'The key acts in this company and every company below it' })
  @IsRowId()
  companyId!: string;

  @Field(() => ID, { description: 'The access the key acts with: at most your own rank in the company' })
  @IsRowId()
  accessId!: string;

  @Field({ description: `To tell keys apart; trimmed, 1 to ${MAX_API_KEY_NAME_LENGTH} characters` })
  @IsApiKeyName()
  name!: string;

  @Field(() => Date, { nullable: true, description: 'In the future; without it the key lasts until it is revoked' })
  expiresAt?: Date | null;
}
