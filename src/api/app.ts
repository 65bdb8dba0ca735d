import express, { type Express } from 'express';
import helmet from 'helmet';
import { createActionRetryRouter } from './action-retry';
import { createAuthenticator } from './auth';
import type { ApiDeps } from './deps';
import { createEmailTemplatesRouter } from './email-templates';
import { createEnrollmentOperationsRouter } from './enrollment-operations';
import { createEventsRouter } from './events';
import { createHealthRouter } from './health';
import { createMetrics } from './metrics';
import { createOpenApiRouter } from './openapi';
import { createPipelinesRouter } from './pipelines';
import { HttpProblem, problemHandler } from './problem';
import { createRateLimits } from './rate-limit';
import { createRecordsRouter } from './records';
import { requestLog } from './request-log';
import { createResultsRouter } from './results';
import { createRevisionsRouter } from './revisions';
import { createSecretsRouter } from './secrets';
import { createTicketStatusAutomationRouter } from './ticket-status-automation';
import { createTokensRouter } from './tokens';
import { createWorkflowIssuesRouter } from './workflow-issues';
import { createWorkflowTestRouter } from './workflow-test';
import { createWorkflowsRouter } from './workflows';
import { createConsoleRouter } from './console';
import { createSessionRouter } from './session';

export type { ApiDeps } from './deps';

/**
 * On every response: no MIME sniffing, no framing, a content security policy that allows only this origin's own
 * scripts and styles (the console), and no referrer. HSTS is left to whatever terminates TLS in front of the API.
 */
const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  frameguard: { action: 'deny' },
  strictTransportSecurity: false,
  referrerPolicy: { policy: 'no-referrer' },
});

/** Builds the HTTP API. No module-level state: everything comes from `deps`. */
export function createApp(deps: ApiDeps): Express {
  const app = express();
  const metrics = createMetrics({ pool: deps.pool, token: deps.settings.metricsToken });
  const auth = createAuthenticator(deps.pool);
  const rateLimits = createRateLimits(deps.settings.rateLimits);
  app.disable('x-powered-by');
  if (deps.settings.trustProxy !== undefined) app.set('trust proxy', deps.settings.trustProxy);
  app.use(securityHeaders);
  app.use(requestLog(deps.log.child({ component: 'http' })));
  app.use(metrics.middleware);
  app.set('query parser', 'simple');
  app.use(createHealthRouter(deps));
  app.use(metrics.router);
  app.use(createOpenApiRouter());

  // The token is checked before the body is read: a caller without one costs no parsing.
  const api = express.Router();
  api.use(rateLimits.authFailures, auth.authenticate, rateLimits.perToken);
  api.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'] }));
  api.use('/session', createSessionRouter(deps));
  api.use('/pipelines', createPipelinesRouter(deps));
  api.use('/pipelines', createTicketStatusAutomationRouter(deps));
  api.use('/records', createRecordsRouter(deps));
  api.use('/workflows', createWorkflowsRouter(deps));
  api.use('/workflows', createWorkflowTestRouter(deps));
  api.use('/workflows', createActionRetryRouter(deps));
  api.use('/workflows', createEnrollmentOperationsRouter(deps));
  api.use('/workflows', createRevisionsRouter(deps));
  api.use('/workflows', createWorkflowIssuesRouter(deps));
  api.use('/email-templates', createEmailTemplatesRouter(deps));
  api.use('/events', createEventsRouter(deps));
  api.use('/tokens', createTokensRouter(deps, auth));
  api.use('/secrets', createSecretsRouter(deps));
  api.use(createResultsRouter(deps));
  app.use('/api', api);
  app.use(createConsoleRouter(deps.settings.consoleDir));

  app.use((req, _res) => {
    throw new HttpProblem(
      404,
      'Not found',
      `There is no route ${req.method} ${req.path}. See /openapi.json or docs/api.md for the routes.`,
    );
  });
  app.use(problemHandler(deps.log));
  return app;
}
