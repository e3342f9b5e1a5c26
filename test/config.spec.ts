import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const load = (env: Record<string, string>) => () => loadConfig({ DATA_DIR: dataDir, ...env });

  it('has working defaults for development', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({ env: 'development', port: 4000, databaseUrl: undefined, logLevel: 'info', admin: undefined });
    expect(config.jwt.expiresInSeconds).toBe(12 * 3600);
    expect(config.queryAdmission).toEqual({ concurrent: 8, queued: 1000 });
    expect(config.requestAdmission).toEqual({ concurrent: 32, queued: 10_000, maxWaitMs: 1000 });
    expect(config.graphqlMaxDocumentBytes).toBe(65_536);
    expect(config.rateLimits).toEqual({ windowSeconds: 900, perAccount: 10, accountCeiling: 100, perAddress: 100 });
    expect(config.passwordHashQueue).toBe(64);
    expect(config.invitationLimits).toEqual({ windowSeconds: 3600, perInviter: 50, perCompany: 200 });
    expect(config.trustProxy).toEqual(['127.0.0.1/8', '::1/128']);
  });

  it('generates a development JWT secret once, keeps it private in DATA_DIR and reuses it', () => {
    const first = loadConfig({ DATA_DIR: dataDir }).jwt.secret;
    expect(first.length).toBeGreaterThanOrEqual(48);
    const file = join(dataDir, 'jwt-secret');
    expect(readFileSync(file, 'utf8').trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dataDir }).jwt.secret).toBe(first);
  });

  it('refuses to start in production without a JWT secret', () => {
    expect(load({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET is required in production/);
  });

  it('refuses a production JWT secret shorter than 32 bytes', () => {
    expect(load({ NODE_ENV: 'production', JWT_SECRET: 'short-secret' })).toThrow(/JWT_SECRET must be at least 32 bytes/);
    expect(load({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) })()).toMatchObject({ env: 'production' });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://localhost/db' }, 'DATABASE_URL'],
    [{ DATABASE_URL: 'postgresql://db/app', DATABASE_READ_URLS: 'postgresql://r1/app,mysql://r2/app' }, 'DATABASE_READ_URLS'],
    [{ DATABASE_URL: 'postgresql://db/app', DATABASE_READ_URLS: 'replica:5432' }, 'DATABASE_READ_URLS'],
    [{ DATABASE_READ_URLS: 'postgresql://r1/app' }, 'DATABASE_READ_URLS needs DATABASE_URL'],
    [{ READ_AFTER_WRITE_MS: '-1' }, 'READ_AFTER_WRITE_MS'],
    [{ REPLICA_MAX_LAG_MS: 'soon' }, 'REPLICA_MAX_LAG_MS'],
    [{ REPLICA_MAX_LAG_MS: '10' }, 'REPLICA_MAX_LAG_MS'],
    [{ DATABASE_URL: 'postgresql://localhost/db', DATABASE_DIRECT_URL: 'localhost:5432' }, 'DATABASE_DIRECT_URL'],
    [{ DATABASE_DIRECT_URL: 'postgresql://localhost:5432/db' }, 'DATABASE_DIRECT_URL needs DATABASE_URL'],
    [{ DATABASE_PREPARED_STATEMENTS: 'no' }, 'DATABASE_PREPARED_STATEMENTS'],
    [{ JWT_EXPIRES_IN: 'soon' }, 'JWT_EXPIRES_IN'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ ADMIN_EMAIL: 'not-an-email', ADMIN_PASSWORD: 'long enough password' }, 'ADMIN_EMAIL'],
    [{ ADMIN_EMAIL: 'ops@example.com', ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD'],
    [{ ADMIN_EMAIL: 'ops@example.com' }, 'ADMIN_PASSWORD'],
    [{ SMTP_URL: 'not a url' }, 'SMTP_URL'],
    [{ DB_POOL_MAX: '0' }, 'DB_POOL_MAX'],
    [{ GRAPHQL_CONCURRENT_QUERIES: '0' }, 'GRAPHQL_CONCURRENT_QUERIES'],
    [{ GRAPHQL_QUEUED_QUERIES: '-1' }, 'GRAPHQL_QUEUED_QUERIES'],
    [{ REQUEST_CONCURRENCY: '0' }, 'REQUEST_CONCURRENCY'],
    [{ REQUEST_QUEUE: 'many' }, 'REQUEST_QUEUE'],
    [{ REQUEST_QUEUE_TIMEOUT_MS: '0' }, 'REQUEST_QUEUE_TIMEOUT_MS'],
    [{ GRAPHQL_MAX_DOCUMENT_BYTES: '100' }, 'GRAPHQL_MAX_DOCUMENT_BYTES'],
    [{ PASSWORD_HASH_QUEUE: '0' }, 'PASSWORD_HASH_QUEUE'],
    [{ RATE_LIMIT_ACCOUNT_CEILING: '0' }, 'RATE_LIMIT_ACCOUNT_CEILING'],
    [{ RATE_LIMIT_PER_ACCOUNT: '20', RATE_LIMIT_ACCOUNT_CEILING: '19' }, 'RATE_LIMIT_ACCOUNT_CEILING'],
    [{ INVITATIONS_WINDOW_SECONDS: '0' }, 'INVITATIONS_WINDOW_SECONDS'],
    [{ INVITATIONS_PER_INVITER: 'many' }, 'INVITATIONS_PER_INVITER'],
    [{ INVITATIONS_PER_COMPANY: '0' }, 'INVITATIONS_PER_COMPANY'],
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '-1' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'fd00::/129' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.1' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: '10.0.0.1,,::1' }, 'TRUST_PROXY'],
    [{ TRUST_PROXY: 'loopback' }, 'TRUST_PROXY'],
  ])('fails fast on %j with a message naming %s', (env, variable) => {
    expect(load(env)).toThrow(ConfigError);
    expect(load(env)).toThrow(new RegExp(variable));
  });

  it('parses durations and the admin account', () => {
    const config = loadConfig({
      DATA_DIR: dataDir,
      JWT_EXPIRES_IN: '15m',
      ADMIN_EMAIL: 'ops@example.com',
      ADMIN_PASSWORD: 'a long admin password',
    });
    expect(config.jwt.expiresInSeconds).toBe(900);
    expect(config.admin).toEqual({ email: 'ops@example.com', password: 'a long admin password' });
  });

  it('reads TRUST_PROXY as a hop count or as a list of IPv4 and IPv6 addresses and ranges', () => {
    expect(loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: '0' }).trustProxy).toBe(0);
    expect(loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: ' 10.0.0.0/8, 192.0.2.7 ,fd00::/8,2001:db8::1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      'fd00::/8',
      '2001:db8::1',
    ]);
    expect(loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: '' }).trustProxy).toEqual(['127.0.0.1/8', '::1/128']);
  });

  it('reads the read replicas as a list of URLs, with the lag and read-after-write defaults', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).readReplicas).toEqual({ urls: [], maxLagMs: 5000, readAfterWriteMs: 2000 });
    const config = loadConfig({
      DATA_DIR: dataDir,
      DATABASE_URL: 'postgresql://db/app',
      DATABASE_READ_URLS: ' postgresql://r1:5432/app , postgres://u:secret@r2/app,',
      REPLICA_MAX_LAG_MS: '1500',
      READ_AFTER_WRITE_MS: '0',
    });
    expect(config.readReplicas).toEqual({
      urls: ['postgresql://r1:5432/app', 'postgres://u:secret@r2/app'],
      maxLagMs: 1500,
      readAfterWriteMs: 0,
    });
    expect(loadConfig({ DATA_DIR: dataDir, DATABASE_READ_URLS: '' }).readReplicas.urls).toEqual([]);
  });

  it('keeps the ceiling of an account at RATE_LIMIT_PER_ACCOUNT or above when it is not set', () => {
    expect(loadConfig({ DATA_DIR: dataDir, RATE_LIMIT_PER_ACCOUNT: '500' }).rateLimits.accountCeiling).toBe(500);
    expect(loadConfig({ DATA_DIR: dataDir, RATE_LIMIT_ACCOUNT_CEILING: '40' }).rateLimits.accountCeiling).toBe(40);
  });

  it('turns named prepared statements off by default behind a pooler (DATABASE_DIRECT_URL), unless told', () => {
    const pooled = { DATABASE_URL: 'postgresql://pgbouncer:6432/db', DATABASE_DIRECT_URL: 'postgresql://db:5432/db' };
    expect(loadConfig({ DATA_DIR: dataDir, DATABASE_URL: 'postgresql://db:5432/db' })).toMatchObject({
      databaseDirectUrl: undefined,
      databasePreparedStatements: true,
    });
    expect(loadConfig({ DATA_DIR: dataDir, ...pooled })).toMatchObject({
      databaseDirectUrl: 'postgresql://db:5432/db',
      databasePreparedStatements: false,
    });
    expect(loadConfig({ DATA_DIR: dataDir, ...pooled, DATABASE_PREPARED_STATEMENTS: 'true' }).databasePreparedStatements).toBe(
      true,
    );
    expect(loadConfig({ DATA_DIR: dataDir, DATABASE_PREPARED_STATEMENTS: 'false' }).databasePreparedStatements).toBe(false);
  });

  it('serves the Federation subgraph SDL where introspection is on, and in production only with GRAPHQL_SUBGRAPH_SDL=true', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };
    expect(loadConfig({ DATA_DIR: dataDir }).serveSubgraphSdl).toBe(true);
    expect(loadConfig({ DATA_DIR: dataDir, GRAPHQL_SUBGRAPH_SDL: 'false' }).serveSubgraphSdl).toBe(false);
    expect(loadConfig({ DATA_DIR: dataDir, ...production }).serveSubgraphSdl).toBe(false);
    expect(loadConfig({ DATA_DIR: dataDir, ...production, GRAPHQL_SUBGRAPH_SDL: 'true' }).serveSubgraphSdl).toBe(true);
    expect(load({ GRAPHQL_SUBGRAPH_SDL: 'yes' })).toThrow(/GRAPHQL_SUBGRAPH_SDL/);
  });

  it('traces only when OTEL_EXPORTER_OTLP_ENDPOINT names an http(s) collector', () => {
    expect(loadConfig({ DATA_DIR: dataDir }).tracing).toBe(false);
    expect(loadConfig({ DATA_DIR: dataDir, OTEL_EXPORTER_OTLP_ENDPOINT: '' }).tracing).toBe(false);
    expect(loadConfig({ DATA_DIR: dataDir, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toBe(true);
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/,
    );
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://collector:4317' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('treats empty variables as unset', () => {
    expect(
      loadConfig({
        DATA_DIR: dataDir,
        DATABASE_URL: '',
        DATABASE_DIRECT_URL: '',
        DATABASE_PREPARED_STATEMENTS: '',
        SMTP_URL: '',
      }),
    ).toMatchObject({
      databaseUrl: undefined,
      databaseDirectUrl: undefined,
      databasePreparedStatements: true,
      smtpUrl: undefined,
    });
  });
});
