import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectionException, DriverException } from '@mikro-orm/core';
import { ConfigError, loadConfig } from '../src/config';
import { classifyError, translateError } from '../src/shared/errors';
import { Readiness } from '../src/shared/readiness';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('database errors reach clients as SERVICE_UNAVAILABLE, without their text', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['an unknown host', withCode('getaddrinfo ENOTFOUND db', 'ENOTFOUND')],
    ['a server shutting down', withCode('terminating connection due to administrator command', '57P01')],
    ['a crashed server', withCode('terminating connection because of crash of another server process', '57P02')],
    ['a server starting up', withCode('the database system is starting up', '57P03')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['a lost connection (driver)', new Error('Connection terminated unexpectedly')],
    ['a connect timeout (driver)', new Error('Connection terminated due to connection timeout')],
    ['a read timeout (driver)', new Error('Query read timeout')],
    ['a broken client (driver)', new Error('Client has encountered a connection error and is not queryable')],
    ['a full pool', new Error('Knex: Timeout acquiring a connection. The pool is probably full.')],
    ['a closed pool', new Error('Unable to acquire a connection')],
    ['a transaction ended by its dead connection', new DriverException(new Error('Transaction query already complete'))],
    ['a connection exception', new ConnectionException(new Error('select * from users where email = $1'))],
  ])('%s', (_name, error) => {
    const translated = translateError(error);
    expect(translated?.code).toBe('SERVICE_UNAVAILABLE');
    expect(translated?.retryAfter).toBe(5);
    expect(translated?.message).toBe('the database is not answering, retry shortly');
  });

  it('a statement cancelled by statement_timeout', () => {
    const error = new DriverException(withCode('canceling statement due to statement timeout', '57014'));
    expect(classifyError(error)).toEqual({
      code: 'SERVICE_UNAVAILABLE',
      message: 'the database took too long to answer, retry shortly',
      retryAfter: 5,
    });
  });

  it('leaves anything else to be masked as INTERNAL_SERVER_ERROR', () => {
    expect(translateError(new Error('relation "users" does not exist'))).toBeUndefined();
    expect(classifyError(withCode('syntax error at or near "selec"', '42601'))).toEqual({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'Internal server error',
    });
  });
});

describe('readiness', () => {
  it('is ready while the database answers the probe', async () => {
    expect(await new Readiness(async () => 1).check()).toBe('ready');
  });

  it('is not ready when the probe fails', async () => {
    expect(await new Readiness(() => Promise.reject(new Error('down'))).check()).toBe('database_unavailable');
  });

  it('does not wait longer than its bound for a probe that hangs', async () => {
    const readiness = new Readiness(() => new Promise(() => undefined), 50);
    const started = Date.now();
    expect(await readiness.check()).toBe('database_unavailable');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('is not ready, without asking the database, once a shutdown began', async () => {
    const probe = jest.fn(async () => 1);
    const readiness = new Readiness(probe);
    readiness.stopAccepting();
    expect(readiness.shuttingDown).toBe(true);
    expect(await readiness.check()).toBe('shutting_down');
    expect(probe).not.toHaveBeenCalled();
  });
});

describe('database fault settings', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('has defaults: 10 s statements, 3 s to get a connection, 10 s of shutdown grace', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config.dbTimeouts).toEqual({ statementMs: 10_000, acquireMs: 3_000 });
    expect(config.shutdownGraceMs).toBe(10_000);
  });

  it('reads them, 0 turning the statement timeout off', () => {
    const config = loadConfig({
      DATA_DIR: dataDir,
      DB_STATEMENT_TIMEOUT_MS: '0',
      DB_ACQUIRE_TIMEOUT_MS: '500',
      SHUTDOWN_GRACE_MS: '30000',
    });
    expect(config.dbTimeouts).toEqual({ statementMs: 0, acquireMs: 500 });
    expect(config.shutdownGraceMs).toBe(30_000);
  });

  it.each([
    ['DB_STATEMENT_TIMEOUT_MS', '-1'],
    ['DB_STATEMENT_TIMEOUT_MS', 'ten'],
    ['DB_ACQUIRE_TIMEOUT_MS', '0'],
    ['DB_ACQUIRE_TIMEOUT_MS', '120000'],
    ['SHUTDOWN_GRACE_MS', '1.5'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    const load = () => loadConfig({ DATA_DIR: dataDir, [name]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(name);
  });
});
