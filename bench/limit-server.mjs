// The physical limit for `npm run bench`: a bare node:http server with a pg pool that answers each
// benchmarked request with ONE prepared statement building the whole JSON response in PostgreSQL,
// written out untouched. No authentication, no validation beyond picking the statement: whatever
// a real server does on top of this is its overhead. Started by bench/lib/servers.ts.
import { createServer } from 'node:http';
import pg from 'pg';

const POOL_MAX = 10;

// The gateway's benchmark query, field for field (ids as strings, enum values upper-cased).
const BENCH_USERS = `
select json_build_object('data', json_build_object('users', json_build_object(
  'totalCount', (select count(*) from users),
  'edges', coalesce((
    select json_agg(json_build_object('node', json_build_object(
      'id', u.id::text,
      'fullName', trim(u.first_name || ' ' || u.last_name),
      'email', u.email,
      'status', upper(u.status),
      'avatarUrl', case when u.avatar_key is null then null else '/files/avatars/' || u.avatar_key end,
      'primaryCompany', (
        select json_build_object('id', c.id::text, 'name', c.name, 'parentCompany',
          (select json_build_object('id', p.id::text, 'name', p.name) from companies p where p.id = c.parent_id))
        from user_accesses pa join companies c on c.id = pa.company_id
        where pa.user_id = u.id and pa."primary"),
      'accesses', coalesce((
        select json_agg(json_build_object(
          'id', ua.id::text, 'primary', ua."primary",
          'access', json_build_object('id', a.id::text, 'name', a.name),
          'company', json_build_object('id', c.id::text, 'name', c.name)) order by ua.id)
        from user_accesses ua join accesses a on a.id = ua.access_id join companies c on c.id = ua.company_id
        where ua.user_id = u.id), '[]'::json)
    )) order by u.id)
    from (select * from users order by id limit $1) u), '[]'::json)
)))::text as body`;

const UPDATE_USER = `
update users set first_name = $2, updated_at = now() where id = $1
returning json_build_object('data', json_build_object('updateUser',
  json_build_object('id', id::text, 'firstName', first_name)))::text as body`;

// A CSV import as one set-based statement: new users with a plausible email, and their member
// access in one company; the other rows are counted as refused.
const IMPORT_USERS = `
with rows as (select * from unnest($1::text[], $2::text[], $3::text[]) as r(email, first_name, last_name)),
good as (select * from rows where email ~ '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$'),
created as (
  insert into users (email, first_name, last_name, status)
  select lower(email), first_name, last_name, 'pending' from good
  on conflict (email) do nothing
  returning id),
granted as (
  insert into user_accesses (user_id, company_id, access_id, "primary")
  select id, $4, (select id from accesses where key = 'member'), true from created
  returning 1)
select json_build_object('data', json_build_object('importUsers', json_build_object(
  'createdCount', (select count(*) from granted),
  'refusedCount', (select count(*) from rows) - (select count(*) from granted))))::text as body`;

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: POOL_MAX });

const statements = {
  Bench: (variables) => ({ name: 'bench_users', text: BENCH_USERS, values: [variables.first] }),
  UpdateUser: (variables) => ({ name: 'update_user', text: UPDATE_USER, values: [variables.id, variables.firstName] }),
  ImportUsers: (variables) => {
    const rows = parseCsvRows(Buffer.from(variables.data, 'base64').toString('utf8'));
    const column = (index) => rows.map((row) => row[index]);
    return { name: 'import_users', text: IMPORT_USERS, values: [column(0), column(1), column(2), variables.companyId] };
  },
};

/** The benchmark's own CSV: a header, then plain `email,first_name,last_name,access` lines without quotes. */
function parseCsvRows(text) {
  return text
    .split('\n')
    .slice(1)
    .filter((line) => line.length > 0)
    .map((line) => line.split(','));
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, '{"status":"ok"}');
  if (req.method !== 'POST' || req.url !== '/graphql') return send(res, 404, '{"error":"not found"}');
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    try {
      const { operationName, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const statement = statements[operationName];
      if (!statement) return send(res, 400, '{"errors":[{"message":"unknown operationName"}]}');
      const { rows } = await pool.query(statement(variables ?? {}));
      send(res, 200, rows[0]?.body ?? '{"data":null}');
    } catch (error) {
      send(res, 500, JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : String(error) }] }));
    }
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT), '127.0.0.1');

const stop = async () => {
  server.close();
  server.closeAllConnections();
  await pool.end();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
