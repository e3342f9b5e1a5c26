import { MaxLength } from 'class-validator';
import { ArgsType, Field } from 'type-graphql';
import { MAX_TOKEN_LENGTH } from '../../shared/field-rules';
import { IsNewPassword } from '../../shared/field-rule-validators';

/** The arguments of resetPassword, validated together so that both are reported at once. */
@ArgsType()
export class ResetPasswordArgs {
  @Field()
  @MaxLength(MAX_TOKEN_LENGTH)
  token!: string;

  @Field()
  @IsNewPassword()
  password!: string;
}
