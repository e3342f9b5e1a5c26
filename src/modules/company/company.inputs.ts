import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { MAX_COMPANY_NAME_LENGTH, MAX_SEARCH_TEXT_LENGTH } from '../../shared/field-rules';
import { IsCompanyName, IsRowId } from '../../shared/field-rule-validators';

@InputType()
export class CompanyFilter {
  @Field(() => ID, { nullable: true, description: 'Only the direct children of this company' })
  parentCompanyId?: string;

  @Field({ nullable: true, description: 'Words matched against the name' })
  @IsOptional()
  @MaxLength(MAX_SEARCH_TEXT_LENGTH)
  q?: string;
}

@InputType()
export class CreateCompanyInput {
  @Field({ description: `Trimmed; 1 to ${MAX_COMPANY_NAME_LENGTH} characters` })
  @IsCompanyName()
  name!: string;

  @Field(() => ID, { nullable: true, description: 'Omitted for a root company (super_admin only)' })
  @IsOptional()
  @IsRowId()
  parentCompanyId?: string;

  @Field(() => ID, { nullable: true, description: "The plan; defaults to the parent's" })
  @IsOptional()
  @IsRowId()
  membershipId?: string;

  @Field(() => Boolean, { nullable: true, description: 'Only for a root, and only while no default company exists' })
  isDefault?: boolean;
}
