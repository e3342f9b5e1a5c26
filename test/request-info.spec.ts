import type { IncomingMessage } from 'node:http';
import { loadConfig } from '../src/config';
import { requestInfoOfUpgrade } from '../src/shared/http/request-info';

/** A WebSocket upgrade from `remoteAddress`, through proxies that said `forwardedFor`. */
const upgrade = (remoteAddress: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress, destroyed: false },
    connection: { remoteAddress },
    headers: { ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}), 'user-agent': 'ws-client' },
  }) as unknown as IncomingMessage;

const trustOf = (TRUST_PROXY?: string) =>
  loadConfig({ JWT_SECRET: 'x'.repeat(32), ...(TRUST_PROXY ? { TRUST_PROXY } : {}) }).trustProxy;

describe('the client address of a WebSocket upgrade', () => {
  it('follows X-Forwarded-For through the proxies TRUST_PROXY names, as express does for HTTP', () => {
    expect(requestInfoOfUpgrade(upgrade('127.0.0.1', '203.0.113.9'), undefined, trustOf()).clientIp).toBe('203.0.113.9');
    expect(requestInfoOfUpgrade(upgrade('198.51.100.7', '203.0.113.9'), undefined, trustOf()).clientIp).toBe('198.51.100.7');
    expect(requestInfoOfUpgrade(upgrade('127.0.0.1', '203.0.113.9'), undefined, trustOf('0')).clientIp).toBe('127.0.0.1');
    expect(requestInfoOfUpgrade(upgrade('10.0.0.2', '203.0.113.9, 10.0.0.1'), undefined, trustOf('2')).clientIp).toBe(
      '203.0.113.9',
    );
    expect(requestInfoOfUpgrade(upgrade('10.0.0.2', '203.0.113.9'), undefined, trustOf('10.0.0.0/8')).clientIp).toBe(
      '203.0.113.9',
    );
  });

  it('keeps the authorization of the connection parameters and the user agent', () => {
    const info = requestInfoOfUpgrade(upgrade('127.0.0.1'), 'Bearer t', trustOf());
    expect(info).toMatchObject({ authorization: 'Bearer t', userAgent: 'ws-client', clientIp: '127.0.0.1' });
    expect(info.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});
