import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import proxyAddr from 'proxy-addr';

const MAX_USER_AGENT_LENGTH = 512;

export interface RequestInfo {
  requestId: string;
  clientIp: string;
  authorization: string | undefined;
  /** As the client sent it, cut to the length the audit trail and the sessions keep. */
  userAgent: string | undefined;
  /** True once the client closed its connection: nobody will read the answer. */
  clientGone(): boolean;
}

/** What the context needs of an HTTP request, the same for `/graphql` and `/api/v1`. */
export function requestInfoOf(req: Request): RequestInfo {
  return {
    requestId: req.id,
    clientIp: req.ip ?? 'unknown',
    authorization: req.headers.authorization,
    userAgent: req.headers['user-agent']?.slice(0, MAX_USER_AGENT_LENGTH),
    clientGone: () => req.socket.destroyed,
  };
}

/**
 * The same for a WebSocket upgrade, which express does not route: the client's address as
 * `req.ip` would give it under `trust proxy` = `trust` (a hop count, or the proxies' addresses),
 * and the authorization the connection's parameters carry.
 */
export function requestInfoOfUpgrade(
  req: IncomingMessage,
  authorization: string | undefined,
  trust: number | string[],
): RequestInfo {
  const trusted = typeof trust === 'number' ? (_address: string, hop: number) => hop < trust : proxyAddr.compile(trust);
  return {
    requestId: randomUUID(),
    clientIp: proxyAddr(req, trusted),
    authorization,
    userAgent: req.headers['user-agent']?.slice(0, MAX_USER_AGENT_LENGTH),
    clientGone: () => req.socket.destroyed,
  };
}
