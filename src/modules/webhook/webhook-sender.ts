import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { Webhook } from 'standardwebhooks';
import { DomainError } from '../../shared/errors';
import { checkWebhookUrl, guardedLookup, TARGET_REFUSED, type TargetRules } from './webhook-target';

/** One event as the receiver gets it; `id` and `timestamp` are signed with the body. */
export interface WebhookMessage {
  /** The `webhook-id` header, e.g. `evt_123`: the receiver's idempotency key, the same on every retry. */
  id: string;
  timestamp: Date;
  /** JSON text, signed and sent byte for byte. */
  body: string;
}

export interface SendOptions {
  /**
   * The endpoint's `whsec_...` secrets: one, or two during a rotation, when both sign so that a
   * receiver still holding the old one keeps verifying.
   */
  secrets: string[];
  /** The whole exchange: connection, request, response head and the kept part of its body. */
  timeoutMs: number;
  rules: TargetRules;
  userAgent?: string;
}

/** One attempt, as the delivery log records it. */
export interface DeliveryOutcome {
  /** The receiver answered 2xx. */
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  /** The first `MAX_RESPONSE_BODY_BYTES` of the answer, whole characters only; null without an answer. */
  responseBody: string | null;
  /** A short description, safe for the log: it never quotes the secret, the request or a system message. */
  error: string | null;
}

export const DEFAULT_USER_AGENT = 'Leadsy-Webhooks/1';
/** What the log keeps of an answer; a receiver's body is a hint for its developer, not data. */
export const MAX_RESPONSE_BODY_BYTES = 1024;

/**
 * Sends one signed delivery (Standard Webhooks) and describes what happened. Network and HTTP
 * failures are outcomes, never exceptions: the caller records them and schedules the retry.
 */
export async function sendWebhook(url: string, message: WebhookMessage, options: SendOptions): Promise<DeliveryOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let target: URL;
  try {
    target = checkWebhookUrl(url, options.rules);
  } catch (error) {
    return { ok: false, statusCode: null, latencyMs: elapsed(), responseBody: null, error: `target refused: ${refusal(error)}` };
  }
  const headers = webhookHeaders(message, options);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    const response = await post(target, message.body, headers, options.rules, controller.signal);
    const statusCode = response.statusCode ?? 0;
    const responseBody = await readCapped(response);
    return {
      ok: statusCode >= 200 && statusCode < 300,
      statusCode,
      latencyMs: elapsed(),
      responseBody,
      error: statusError(statusCode),
    };
  } catch (error) {
    const description = controller.signal.aborted ? `timeout after ${options.timeoutMs} ms` : networkError(error);
    return { ok: false, statusCode: null, latencyMs: elapsed(), responseBody: null, error: description };
  } finally {
    clearTimeout(timer);
  }
}

/** What `checkWebhookUrl` said about the URL, without the field name it prefixes. */
function refusal(error: unknown): string {
  if (error instanceof DomainError) return error.details?.[0]?.message ?? error.message;
  throw error;
}

/** The Standard Webhooks headers: every secret signs `id.timestamp.body`, the signatures space-separated. */
function webhookHeaders(message: WebhookMessage, options: SendOptions): OutgoingHttpHeaders {
  // Without a secret the delivery would go out unsigned: that is a bug of the caller, not an outcome.
  if (!options.secrets.length) throw new Error('a webhook delivery needs at least one signing secret');
  const signatures = options.secrets.map((secret) => new Webhook(secret).sign(message.id, message.timestamp, message.body));
  return {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(message.body),
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(message.timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
    'user-agent': options.userAgent ?? DEFAULT_USER_AGENT,
  };
}

/**
 * Kept-alive connections, so an endpoint hearing many events does not pay a handshake for each. A
 * connection idle for 4 s closes, before a receiver's own keep-alive timeout (often 5 s) would.
 */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 8, timeout: 4_000 };
const httpAgent = new HttpAgent(AGENT_OPTIONS);
const httpsAgent = new HttpsAgent(AGENT_OPTIONS);

/**
 * One POST, settled by the response head. A new connection resolves its name through
 * `guardedLookup`, so the address checked is the address connected to (a kept-alive one was
 * checked when it opened). Redirects are not followed: Node's client never does. Aborting `signal` destroys
 * the socket at any stage.
 */
function post(
  target: URL,
  body: string,
  headers: OutgoingHttpHeaders,
  rules: TargetRules,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const secure = target.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  const agent = secure ? httpsAgent : httpAgent;
  return new Promise((resolve, reject) => {
    const outgoing = request(target, { method: 'POST', headers, agent, lookup: guardedLookup(rules), signal }, resolve);
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * The first `MAX_RESPONSE_BODY_BYTES` of the body, cut after the last whole UTF-8 character (the
 * decoder holds back a partial one). The response is destroyed as soon as enough has arrived, so a
 * receiver streaming megabytes costs a chunk, not the stream; a body cut short by the deadline
 * keeps what arrived.
 */
function readCapped(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= MAX_RESPONSE_BODY_BYTES) response.destroy();
    });
    // An error (abort, reset) also ends in 'close': the status already decided the outcome.
    response.on('error', () => undefined);
    response.on('close', () => {
      const kept = Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BODY_BYTES);
      resolve(new StringDecoder('utf8').write(kept));
    });
  });
}

function statusError(statusCode: number): string | null {
  if (statusCode >= 200 && statusCode < 300) return null;
  if (statusCode >= 300 && statusCode < 400) return `redirect to another location is not followed (${statusCode})`;
  return `HTTP ${statusCode}`;
}

/** Connection failures by code; `autoSelectFamily` reports several attempts as one AggregateError. */
const NETWORK_ERRORS: Record<string, string> = {
  [TARGET_REFUSED]: 'target refused: resolves to a private address',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the receiver',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host name does not resolve',
  EAI_AGAIN: 'host name resolution failed temporarily',
  EPIPE: 'connection closed by the receiver',
};

function networkError(error: unknown): string {
  const code = errorCode(error);
  if (code && NETWORK_ERRORS[code]) return NETWORK_ERRORS[code];
  // llhttp's parse errors: the receiver does not speak HTTP/1.1 (or not well enough).
  if (code?.startsWith('HPE_')) return `the answer is not valid HTTP (${code})`;
  if (code && /CERT|TLS|SSL/.test(code)) return `TLS handshake failed (${code})`;
  return `request failed (${code ?? 'unknown error'})`;
}

function errorCode(error: unknown): string | undefined {
  const { code, errors } = (error ?? {}) as { code?: unknown; errors?: unknown[] };
  if (typeof code === 'string') return code;
  return Array.isArray(errors) && errors.length ? errorCode(errors[0]) : undefined;
}
