import { lookup } from 'node:dns/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { findActionRun, runOnce } from '../src/db/action-runs';
import { inTransaction } from '../src/db/pool';
import { appendTimeline } from '../src/db/timeline';
import { type ActionOutcome, type ActionRunInput, renderTemplate, type TemplateRecord } from '../src/domain';
import { WebhookErrors } from '../src/domain/errors';
import {
  classifyWebhookStatus,
  isPrivateAddress,
  parseRetryAfter,
  type WebhookConfig,
  WebhookConfigSchema,
} from '../src/domain/webhook';
import { actionCompletedLine, markActionStarted } from './audit';
import { type ActivityDeps, NonRetryableErrors, requireRecord } from './deps';

export { WebhookErrors } from '../src/domain/errors';

/** Fills the url's placeholders, percent-encoding each value so that a property cannot change the URL's shape. */
function renderUrl(template: string, record: TemplateRecord): string {
  const encode = (value: unknown) =>
    value === undefined || value === null
      ? value
      : encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value));
  return renderTemplate(template, {
    id: encodeURIComponent(record.id),
    stageId: encodeURIComponent(record.stageId),
    properties: Object.fromEntries(Object.entries(record.properties).map(([name, value]) => [name, encode(value)])),
  });
}

/** Fills placeholders in every string inside a JSON body; keys, numbers, booleans and nulls stay as they are. */
function renderBody(value: unknown, record: TemplateRecord): unknown {
  if (typeof value === 'string') return renderTemplate(value, record);
  if (Array.isArray(value)) return value.map((item) => renderBody(item, record));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, renderBody(item, record)]));
  }
  return value;
}

const invalidAction = (message: string) =>
  ApplicationFailure.create({ type: NonRetryableErrors.invalidAction, nonRetryable: true, message });

/** The stored config, validated again so that defaults apply and a bad one fails once instead of retrying. */
function parseConfig(config: unknown): WebhookConfig {
  const parsed = WebhookConfigSchema.safeParse(config);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`);
  throw invalidAction(`webhook config is invalid: ${problems.join('; ')}`);
}

function parseTargetUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidAction(`webhook url "${text}" is not a valid URL once its placeholders are filled in`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidAction(`webhook url "${text}" must use http or https`);
  }
  if (url.username || url.password) throw invalidAction('webhook url may not carry credentials; use a header');
  return url;
}

/** Error-shaped, whichever realm made it (a test runner's sandbox has its own `Error`, so `instanceof` is not enough). */
function isError(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as Error).message === 'string';
}

/** Why a request got no response, in a few words for the failure message. */
function describeNetworkError(error: unknown, timeoutMs: number): string {
  if (!isError(error)) return String(error);
  if (error.name === 'TimeoutError') return `no response within ${timeoutMs} ms`;
  if (!isError(error.cause)) return error.message;
  // undici reports "fetch failed"; the cause says why (an AggregateError from trying several addresses has no message).
  const { message, code } = error.cause as Error & { code?: unknown };
  return message || (typeof code === 'string' ? code : error.message);
}

/** A host name as compared with the allow-list: no IPv6 brackets, no trailing dot, lower case. */
const bareHost = (name: string) =>
  name
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();

export function createWebhookActivities({ pool, clock, log, webhookPolicy }: ActivityDeps) {
  /** Refuses a target on a loopback or private address unless the policy allows it; `what` names the request. */
  async function refusePrivateTarget(url: URL, what: string): Promise<void> {
    if (webhookPolicy.allowPrivateTargets) return;
    const host = bareHost(url.hostname);
    if (webhookPolicy.allowedHosts.some((name) => bareHost(name) === host)) return;
    let addresses: { address: string }[];
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch (error) {
      throw ApplicationFailure.create({
        type: WebhookErrors.unreachable,
        message: `${what} failed: cannot resolve ${host} (${describeNetworkError(error, webhookPolicy.timeoutMs)})`,
        cause: isError(error) ? error : undefined,
      });
    }
    const internal = addresses.find(({ address }) => isPrivateAddress(address));
    if (internal) {
      throw ApplicationFailure.create({
        type: WebhookErrors.targetRefused,
        nonRetryable: true,
        message:
          `${what} refused: ${host} resolves to the private address ${internal.address}; ` +
          'list the host in WEBHOOK_ALLOWED_HOSTS to allow it',
      });
    }
  }

  return {
    /**
     * `webhook`: one HTTP request per attempt with `Idempotency-Key: <input.key>`, the same on every retry.
     * Delivery is at least once (the receiver dedupes on the key); once a 2xx/3xx is recorded in the once-only
     * ledger, a later attempt returns the stored outcome without calling again. The status decides what happens
     * next: 5xx, 408 and 429 retry (honouring Retry-After on 429/503), any other 4xx fails the action.
     */
    async callWebhook(input: ActionRunInput<WebhookConfig>): Promise<ActionOutcome> {
      const done = await findActionRun<ActionOutcome>(pool, input.key);
      if (done) return done;

      const config = parseConfig(input.config);
      const record = await inTransaction(pool, async (db) => {
        await markActionStarted(db, input);
        return requireRecord(db, input.recordId);
      });
      const url = parseTargetUrl(renderUrl(config.url, record));
      // Query strings often carry tokens: the timeline and failure messages show the URL without them.
      const what = `${config.method} ${url.origin}${url.pathname}`;
      await refusePrivateTarget(url, what);

      const headers = new Headers();
      const body = config.body === undefined ? undefined : JSON.stringify(renderBody(config.body, record));
      if (body !== undefined) headers.set('Content-Type', 'application/json');
      for (const [name, value] of Object.entries(config.headers ?? {})) headers.set(name, value);
      headers.set('Idempotency-Key', input.key);

      let response: Response;
      try {
        response = await fetch(url, {
          method: config.method,
          headers,
          body,
          // A redirect is reported as the 3xx it is; following it could lead to a target the policy refuses.
          redirect: 'manual',
          signal: AbortSignal.timeout(webhookPolicy.timeoutMs),
        });
      } catch (error) {
        throw ApplicationFailure.create({
          type: WebhookErrors.unreachable,
          message: `${what} failed: ${describeNetworkError(error, webhookPolicy.timeoutMs)}`,
          cause: isError(error) ? error : undefined,
        });
      }
      // Only the status matters; dropping the body frees the connection.
      await response.body
        ?.cancel()
        .catch((error: unknown) => log.debug({ err: error, key: input.key }, 'discarding a webhook response failed'));

      const detail = `${what} → ${response.status}`;
      const verdict = classifyWebhookStatus(response.status);
      if (verdict === 'ok') {
        return runOnce(pool, input.key, async (db) => {
          await appendTimeline(db, actionCompletedLine(input, detail));
          return { detail };
        });
      }
      if (verdict === 'fail') {
        throw ApplicationFailure.create({ type: WebhookErrors.rejected, nonRetryable: true, message: detail });
      }
      const retryAfterMs =
        response.status === 429 || response.status === 503
          ? parseRetryAfter(response.headers.get('Retry-After') ?? undefined, clock())
          : undefined;
      throw ApplicationFailure.create({
        type: WebhookErrors.retryableStatus,
        message: retryAfterMs === undefined ? detail : `${detail}, retry after ${Math.ceil(retryAfterMs / 1_000)} s`,
        nextRetryDelay: retryAfterMs === undefined ? undefined : `${retryAfterMs}ms`,
      });
    },
  };
}
