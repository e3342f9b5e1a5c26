import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';

@InputType()
export class CompanyFilter {
  @Field(() => ID, { nullable: true, description: 'Only the direct children of this company' })
  parentCompanyId?: string;

  @Field({ nullable: true, description: 'Words matched against the name' })
  @IsOptional()
  @MaxLength(100)
  q?: string;
}
