import { randomUUID } from 'node:crypto';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express, type Request } from 'express';
import { GraphQLError } from 'graphql';
import { pinoHttp } from 'pino-http';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from './config';
import { startApollo } from './graphql/apollo';
import { type AppDeps, RequestContext } from './graphql/context';
import { classifyError } from './graphql/format-error';
import { buildGatewaySchema } from './graphql/schema';
import { AccessTokens } from './shared/auth/jwt';
import { STATUS_BY_CODE } from './shared/http-status';
import type { Logger } from './shared/logger';

export interface App {
  express: Express;
  deps: AppDeps;
  stop(): Promise<void>;
}

const REQUEST_ID = /^[\w-]{8,64}$/;

/** Builds the HTTP application without listening: `/graphql`, health checks, and (later) `/api/v1`. */
export async function createApp({ orm, config, logger }: { orm: MikroORM; config: Config; logger: Logger }): Promise<App> {
  const deps: AppDeps = { orm, config, logger, tokens: new AccessTokens(config.jwt) };
  const apollo = await startApollo(await buildGatewaySchema(), config, logger);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');

  app.use(
    pinoHttp({
      logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
    }),
  );

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await orm.em.getConnection().execute('select 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).set('Retry-After', '5').json({ status: 'unavailable' });
    }
  });

  app.use(
    '/graphql',
    express.json({ limit: '100kb' }),
    expressMiddleware(apollo, { context: ({ req }) => createRequestContext(deps, req) }),
  );

  return {
    express: app,
    deps,
    async stop() {
      await apollo.stop();
    },
  };
}

/** Authentication failures and an unreachable database answer with their own HTTP status. */
async function createRequestContext(deps: AppDeps, req: Request): Promise<RequestContext> {
  try {
    return await RequestContext.create(deps, {
      requestId: String(req.id),
      clientIp: req.ip ?? 'unknown',
      authorization: req.headers.authorization,
    });
  } catch (error) {
    const { code, message, retryAfter } = classifyError(error);
    if (code === 'INTERNAL_SERVER_ERROR') throw error;
    throw new GraphQLError(message, {
      extensions: {
        code,
        http: { status: STATUS_BY_CODE[code], headers: new Map(retryAfter ? [['retry-after', String(retryAfter)]] : []) },
      },
    });
  }
}
