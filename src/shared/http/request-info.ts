import type { Request } from 'express';

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
