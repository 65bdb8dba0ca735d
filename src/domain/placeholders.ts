import { isEffectAction } from './action-routes';
import type { Action } from './actions';
import { SECRET_NAME, secretNamesIn } from './secrets';
import { webhookUrlTemplateProblem } from './webhook';

/** A placeholder where it may not be; `path` is inside the action's `config`. */
export interface PlaceholderProblem {
  path: (string | number)[];
  message: string;
}

/** Calls `visit` with every string inside `value` (object keys aside) and its path. */
function eachString(
  value: unknown,
  path: (string | number)[],
  visit: (text: string, path: (string | number)[]) => void,
) {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((item, index) => eachString(item, [...path, index], visit));
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) eachString(item, [...path, key], visit);
  }
}

/** Where in a webhook's config a secret may be filled in: the url (path and query) and each header value. */
const takesSecrets = (action: Action, path: (string | number)[]) =>
  action.type === 'webhook' && (path[0] === 'url' || (path[0] === 'headers' && path.length === 2));

/**
 * Where an action's placeholders may not go, checked when a definition is saved: `{{secrets.<name>}}` only in a
 * webhook's url and header values, naming a valid secret (anywhere else it would be sent as written, or end up in a
 * task, an email or the timeline); no placeholder at all in a webhook url's scheme or authority
 * (`webhookUrlTemplateProblem`). Branches hold no text that is sent anywhere, and their nested actions are checked
 * on their own.
 */
export function findPlaceholderProblems(action: Action): PlaceholderProblem[] {
  if (!isEffectAction(action)) return [];
  const problems: PlaceholderProblem[] = [];
  eachString(action.config, [], (text, path) => {
    const names = secretNamesIn(text);
    if (names.length === 0) return;
    if (!takesSecrets(action, path)) {
      problems.push({
        path,
        message: 'a secret ({{secrets.<name>}}) may be used only in a webhook url or header value; remove it from here',
      });
      return;
    }
    for (const name of names.filter((candidate) => !SECRET_NAME.test(candidate))) {
      problems.push({ path, message: `"${name}" is not a secret name: use 1–64 letters, digits, "_", "." or "-"` });
    }
  });
  if (action.type === 'webhook') {
    const problem = webhookUrlTemplateProblem(action.config.url);
    if (problem) problems.push({ path: ['url'], message: problem });
  }
  return problems;
}
