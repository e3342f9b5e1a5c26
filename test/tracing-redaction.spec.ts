import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RedactingExporter, withoutSqlLiterals } from '../src/shared/tracing/redacting-exporter';

/** What tracing lets out of the process (src/shared/tracing/redacting-exporter.ts); test/tracing.spec.ts covers the whole path. */
describe('the redaction of exported spans', () => {
  it('replaces every literal of a SQL statement by ?, keeping identifiers, placeholders and keywords', () => {
    const statement = `select "u0".*, "a""1", $1, x2 from "users" as "u0" where "u0"."email" = 'a@b.c' and n = E'it\\'s'
      and body = $body$ 'quoted' 12 $body$ and s = 'o''brien' and id in (10, 2.5e3) and k::int4 > -7 limit 1`;
    expect(withoutSqlLiterals(statement))
      .toBe(`select "u0".*, "a""1", $1, x2 from "users" as "u0" where "u0"."email" = ? and n = ?
      and body = ? and s = ? and id in (?, ?) and k::int4 > -? limit ?`);
  });

  it('exports statements without their literals and errors without their messages', () => {
    const exported = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new RedactingExporter(exported))] });
    const span = provider.getTracer('test').startSpan('pg.query:SELECT', {
      attributes: { 'db.query.text': "select * from users where email = 'secret@example.com'", 'db.namespace': 'app' },
    });
    span.recordException(new TypeError('invalid input syntax for type uuid: "secret@example.com"'));
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'invalid input syntax for type uuid: "secret@example.com"' });
    span.end();

    const [sent] = exported.getFinishedSpans();
    expect(sent.attributes).toEqual({ 'db.query.text': 'select * from users where email = ?', 'db.namespace': 'app' });
    expect(sent.status).toEqual({ code: SpanStatusCode.ERROR });
    expect(sent.events.map((event) => [event.name, event.attributes])).toEqual([
      ['exception', { 'exception.type': 'TypeError' }],
    ]);
    expect(sent.spanContext()).toEqual(span.spanContext());
    expect(JSON.stringify(sent)).not.toContain('secret');
  });
});
