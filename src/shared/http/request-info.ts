import type { Request } from 'express';

export interface RequestInfo {
  requestId: string;
  clientIp: string;
  authorization: string | undefined;
  /** True once the client closed its connection: nobody will read the answer. */
  clientGone(): boolean;
}

/** What the context needs of an HTTP request, the same for `/graphql` and `/api/v1`. */
export function requestInfoOf(req: Request): RequestInfo {
  return {
    requestId: req.id,
    clientIp: req.ip ?? 'unknown',
    authorization: req.headers.authorization,
    clientGone: () => req.socket.destroyed,
  };
}
