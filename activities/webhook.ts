import { ApplicationFailure } from '@temporalio/activity';
import { fetch, Headers, type Response } from 'undici';
import { findActionRun, runOnce } from '../src/db/action-runs';
import { inTransaction } from '../src/db/pool';
import { readSecretValues, SecretUnreadableError } from '../src/db/secrets';
import { appendTimeline } from '../src/db/timeline';
import { type ActionOutcome, type ActionRunInput, renderTemplate, type TemplateRecord } from '../src/domain';
import { WebhookErrors } from '../src/domain/errors';
import { fillSecrets, secretNamesIn } from '../src/domain/secrets';
import {
  classifyWebhookStatus,
  parseRetryAfter,
  renderWebhookUrl,
  secretMark,
  type WebhookConfig,
  WebhookConfigSchema,
  webhookUrlTemplateProblem,
} from '../src/domain/webhook';
import { actionCompletedLine, markActionStarted } from './audit';
import { type ActivityDeps, NonRetryableErrors, requireRecord } from './deps';
import { createTargetGuard, PrivateTargetError } from './webhook-target';

export { WebhookErrors } from '../src/domain/errors';

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

/** The rendered url; `shown` is how failures quote it (with secrets as `[secrets.<name>]`). */
function parseTargetUrl(text: string, shown: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidAction(`webhook url "${shown}" is not a valid URL once its placeholders are filled in`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalidAction(`webhook url "${shown}" must use http or https`);
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

/** What an HTTP header value may hold once its secrets are in (RFC 9110 field-vchar, space, tab, obs-text). */
const HEADER_OCTETS = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The values of the secrets a webhook names, read when it calls; an unknown one fails the action, naming it. */
async function readSecrets(
  deps: Pick<ActivityDeps, 'pool' | 'secretsKey'>,
  names: string[],
): Promise<Map<string, string>> {
  let found: Awaited<ReturnType<typeof readSecretValues>>;
  try {
    found = await readSecretValues(deps.pool, names, deps.secretsKey);
  } catch (error) {
    if (!(error instanceof SecretUnreadableError)) throw error;
    // Retryable: the key is configuration an operator can fix while the action waits.
    throw ApplicationFailure.create({ type: WebhookErrors.secretUnreadable, message: error.message });
  }
  if (found.missing.length > 0) {
    const list = found.missing.map((name) => `"${name}"`).join(', ');
    throw invalidAction(
      `webhook uses the secret${found.missing.length > 1 ? 's' : ''} ${list}, which ${found.missing.length > 1 ? 'do' : 'does'} not exist; ` +
        `store it with PUT /api/secrets/${found.missing[0]} or change the action`,
    );
  }
  return found.values;
}

/**
 * Replaces every secret value (as it is and percent-encoded) in `text` by its mark: no failure message or timeline
 * line can carry one, whatever a library put in its error.
 */
function scrubber(secrets: Map<string, string>): (text: string) => string {
  const forms = [...secrets].flatMap(([name, value]) =>
    [...new Set([value, encodeURIComponent(value)])].map((form) => [form, secretMark(name)] as const),
  );
  // Longest first, so that a value inside another is not replaced before it.
  forms.sort(([a], [b]) => b.length - a.length);
  return (text) => forms.reduce((result, [form, mark]) => result.split(form).join(mark), text);
}

export function createWebhookActivities({ pool, clock, log, webhookPolicy, secretsKey }: ActivityDeps) {
  const target = createTargetGuard(webhookPolicy);

  return {
    /**
     * `webhook`: one HTTP request per attempt with `Idempotency-Key: <input.key>`, the same on every retry.
     * Delivery is at least once (the receiver dedupes on the key); once a 2xx/3xx is recorded in the once-only
     * ledger, a later attempt returns the stored outcome without calling again. The status decides what happens
     * next: 5xx, 408 and 429 retry (honouring Retry-After on 429/503), any other 4xx fails the action. Secrets
     * (`{{secrets.<name>}}` in the url and header values) are read here, just before the call, and every message
     * and timeline line shows `[secrets.<name>]` instead of a value.
     */
    async callWebhook(input: ActionRunInput<WebhookConfig>): Promise<ActionOutcome> {
      const done = await findActionRun<ActionOutcome>(pool, input.key);
      if (done) return done;

      const config = parseConfig(input.config);
      const urlProblem = webhookUrlTemplateProblem(config.url);
      if (urlProblem) throw invalidAction(`webhook url refused: ${urlProblem}`);
      const record = await inTransaction(pool, async (db) => {
        await markActionStarted(db, input);
        return requireRecord(db, input.recordId);
      });
      const headerTemplates = Object.entries(config.headers ?? {});
      const secretNames = [
        ...new Set([config.url, ...headerTemplates.map(([, value]) => value)].flatMap(secretNamesIn)),
      ];
      const secrets = await readSecrets({ pool, secretsKey }, secretNames);
      const scrub = scrubber(secrets);

      const renderedUrl = renderWebhookUrl(config.url, record);
      const shownUrl = fillSecrets(renderedUrl, secretMark);
      const shown = parseTargetUrl(shownUrl, shownUrl);
      const url = parseTargetUrl(
        fillSecrets(renderedUrl, (name) => encodeURIComponent(secrets.get(name)!)),
        shownUrl,
      );
      // Query strings often carry tokens: the timeline and failure messages show the URL without them.
      const what = `${config.method} ${shown.origin}${shown.pathname}`;
      if (url.origin !== shown.origin) throw invalidAction(`${what} refused: a secret changed the url's host`);

      const headers = new Headers();
      const body = config.body === undefined ? undefined : JSON.stringify(renderBody(config.body, record));
      if (body !== undefined) headers.set('Content-Type', 'application/json');
      for (const [name, template] of headerTemplates) {
        const value = fillSecrets(template, (secret) => secrets.get(secret)!);
        if (!HEADER_OCTETS.test(value)) {
          const named = secretNamesIn(template).map((secret) => `"${secret}"`);
          throw invalidAction(
            `header "${name}": the secret ${named.join(', ')} holds characters a header cannot carry`,
          );
        }
        headers.set(name, value);
      }
      headers.set('Idempotency-Key', input.key);

      let response: Response;
      try {
        target.refuseLiteral(url);
        response = await fetch(url, {
          method: config.method,
          headers,
          body,
          dispatcher: target.dispatcher,
          // A redirect is reported as the 3xx it is; following it could lead to a target the policy refuses.
          redirect: 'manual',
          signal: AbortSignal.timeout(webhookPolicy.timeoutMs),
        });
      } catch (error) {
        const refused = error instanceof PrivateTargetError ? error : isError(error) ? error.cause : undefined;
        if (refused instanceof PrivateTargetError) {
          throw ApplicationFailure.create({
            type: WebhookErrors.targetRefused,
            nonRetryable: true,
            message: scrub(`${what} refused: ${refused.message}`),
          });
        }
        throw ApplicationFailure.create({
          type: WebhookErrors.unreachable,
          message: scrub(`${what} failed: ${describeNetworkError(error, webhookPolicy.timeoutMs)}`),
        });
      }
      // Only the status matters; dropping the body frees the connection.
      await response.body
        ?.cancel()
        .catch((error: unknown) => log.debug({ err: error, key: input.key }, 'discarding a webhook response failed'));

      const detail = scrub(`${what} → ${response.status}`);
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
