import { z } from 'zod';
import type { Action } from './actions';
import { branchLists, withBranchList } from './walk';

/**
 * Secrets: values a super_admin stores under a name (`PUT /api/secrets/:name`) for webhooks to use as
 * `{{secrets.<name>}}` in their url (path and query) and header values. A value is read only by the webhook activity,
 * when it makes the call; definitions, Temporal payloads, the timeline and every response hold the placeholder.
 */

export const SECRET_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export const SecretNameSchema = z
  .string()
  .regex(SECRET_NAME, 'a secret name is 1–64 letters, digits, "_", "." or "-"')
  .describe('the name webhooks use as {{secrets.<name>}}');

/** Bytes a secret's value may have in UTF-8. */
export const MAX_SECRET_BYTES = 8 * 1024;
/** Secrets that may be stored at once. */
export const MAX_SECRETS = 500;

/** A value: no line breaks or other control characters (tab aside), so that it can go into a header as it is. */
export const SecretValueSchema = z
  .string()
  .min(1, 'a secret value may not be empty')
  .regex(/^[^\x00-\x08\x0a-\x1f\x7f]*$/, 'a secret value may not contain line breaks or control characters')
  .refine(
    (value) => new TextEncoder().encode(value).length <= MAX_SECRET_BYTES,
    `keep a secret within ${MAX_SECRET_BYTES} bytes`,
  );

export const PutSecretSchema = z.object({ value: SecretValueSchema }).strict();

/** `{{secrets.<name>}}`, spaces inside the braces allowed as in record placeholders. */
const SECRET_PLACEHOLDER = /\{\{\s*secrets\.([^\s{}]*)\s*\}\}/g;

/** The names of the secrets `text` refers to, each once, in order of appearance (valid or not). */
export function secretNamesIn(text: string): string[] {
  return [...new Set([...text.matchAll(SECRET_PLACEHOLDER)].map((match) => match[1]!))];
}

/** Replaces each `{{secrets.<name>}}` in `text` with `valueOf(name)`. */
export function fillSecrets(text: string, valueOf: (name: string) => string): string {
  return text.replace(SECRET_PLACEHOLDER, (_match, name: string) => valueOf(name));
}

/** What a header value reads as for a caller who may not configure workflows. */
export const REDACTED = '[redacted]';

/**
 * The actions with every webhook header value replaced by `[redacted]`, nested actions included; header names stay.
 * Header values are credentials more often than not, and a role that cannot change a workflow has no need of them.
 */
export function redactHeaderValues(actions: Action[]): Action[] {
  return actions.map((action) => {
    if (action.type === 'webhook' && action.config.headers) {
      const headers = Object.fromEntries(Object.keys(action.config.headers).map((name) => [name, REDACTED]));
      return { ...action, config: { ...action.config, headers } };
    }
    return branchLists(action).reduce(
      (redacted, list) => withBranchList(redacted, list.branch, redactHeaderValues(list.actions)),
      action,
    );
  });
}
