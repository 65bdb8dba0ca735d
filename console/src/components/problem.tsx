import type { ApiError } from '../api';

/**
 * A refused request, as the API explained it: its detail, and the field messages no form field on screen shows
 * (`shownPaths` are those shown beside their fields by `FieldError`).
 */
export function ProblemMessage({ error, shownPaths = [] }: { error?: ApiError; shownPaths?: string[] }) {
  if (!error) return null;
  const others = (error.problem.errors ?? []).filter(
    (field) => !shownPaths.some((path) => field.path === path || field.path.endsWith(`.${path}`)),
  );
  return (
    <div class="problem" role="alert">
      <strong>{error.problem.title}</strong>
      {error.problem.detail && <span> {error.problem.detail}</span>}
      {others.length > 0 && (
        <ul>
          {others.map((field) => (
            <li key={field.path}>
              <code>{field.path}</code>: {field.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The API's message for one field, beside it; give the input `aria-describedby={fieldErrorId(id)}`. */
export function FieldError({ error, path, id }: { error?: ApiError; path: string; id: string }) {
  const messages = error?.messagesFor(path) ?? [];
  if (messages.length === 0) return null;
  return (
    <span class="field-error" id={fieldErrorId(id)} role="alert">
      {messages.join('; ')}
    </span>
  );
}

export const fieldErrorId = (id: string): string => `${id}-error`;
