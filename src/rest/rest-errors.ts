import type { HttpError } from '../shared/http-errors';

/** Body-parser failures (they carry `type` and `status`) in the contract's terms. */
export function bodyParserError(error: { type?: string; status?: number; message?: string }): HttpError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return { code: 'PAYLOAD_TOO_LARGE', message: 'the request body is too large' };
    case 'entity.parse.failed':
      return { code: 'BAD_USER_INPUT', message: 'the request body is not valid JSON' };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'the request body must be UTF-8 JSON' };
    default:
      return undefined;
  }
}
