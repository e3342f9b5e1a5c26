import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { AVATAR_ROUTE_PREFIX } from '../storage/avatar-url';

type Directives = Record<string, string[] | null>;

/**
 * What the JSON API and the /api/v1/docs page need: Swagger UI loads only its own files from this
 * origin and sets inline style attributes; nothing may frame a page, post a form elsewhere or load
 * a plugin.
 */
const API_DIRECTIVES: Directives = {
  defaultSrc: ["'self'"],
  baseUri: ["'none'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  // Behind TLS, HSTS does the upgrading; on plain http://localhost this would break every asset.
  upgradeInsecureRequests: null,
};

const APOLLO_CDNS = [
  'https://embeddable-sandbox.cdn.apollographql.com',
  'https://apollo-server-landing-page.cdn.apollographql.com',
  'https://embeddable-explorer.cdn.apollographql.com',
];

/**
 * Apollo Sandbox, the development landing page at GET /graphql: Apollo's CDN and frames. Inline
 * scripts and styles pass this header; the page's own CSP then admits only those with its nonce.
 */
const SANDBOX_DIRECTIVES: Directives = {
  ...API_DIRECTIVES,
  scriptSrc: ["'self'", "'unsafe-inline'", ...APOLLO_CDNS],
  styleSrc: ["'self'", "'unsafe-inline'", ...APOLLO_CDNS, 'https://fonts.googleapis.com'],
  imgSrc: ["'self'", 'data:', 'https://apollo-server-landing-page.cdn.apollographql.com'],
  fontSrc: ["'self'", 'data:', 'https://fonts.gstatic.com'],
  manifestSrc: ['https://apollo-server-landing-page.cdn.apollographql.com'],
  frameSrc: ['https://sandbox.embed.apollographql.com', 'https://explorer.embed.apollographql.com'],
};

const headers = (directives: Directives, crossOriginResources = false) =>
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    xFrameOptions: { action: 'deny' },
    crossOriginResourcePolicy: { policy: crossOriginResources ? 'cross-origin' : 'same-origin' },
  });

/**
 * helmet's security headers on every response, with the Content-Security-Policy each kind of page
 * needs. Avatars may be shown by front ends on other origins, so they alone are cross-origin
 * resources.
 */
export function securityHeaders({ sandbox }: { sandbox: boolean }): RequestHandler {
  const api = headers(API_DIRECTIVES);
  const avatars = headers(API_DIRECTIVES, true);
  const landingPage = headers(SANDBOX_DIRECTIVES);
  return (req, res, next) => {
    if (sandbox && req.method === 'GET' && req.path === '/graphql') return landingPage(req, res, next);
    if (req.path.startsWith(AVATAR_ROUTE_PREFIX)) return avatars(req, res, next);
    return api(req, res, next);
  };
}
