/**
 * The conditions of a list statement, ANDed: SQL with `?` placeholders, and their values in order.
 * A text must not depend on the values (a list goes in as one array parameter, `= any(?::bigint[])`),
 * so each combination of filters is one prepared statement.
 */
export class SqlConditions {
  private readonly texts: string[] = [];
  readonly values: unknown[] = [];

  add(sql: string, ...values: unknown[]): this {
    this.texts.push(`(${sql})`);
    this.values.push(...values);
    return this;
  }

  get sql(): string {
    return this.texts.length ? this.texts.join(' and ') : 'true';
  }
}
