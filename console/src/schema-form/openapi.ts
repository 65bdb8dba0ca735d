import { type ActionTypeModel, actionTypesOf } from './schema';

let loading: Promise<ActionTypeModel[]> | undefined;

/**
 * The action types and their config forms, read from `/openapi.json` (public, no token) once per page load: the
 * server's registry is the one list of what an action may be. A failed read is not kept, so the next editor tries
 * again.
 */
export function loadActionTypes(): Promise<ActionTypeModel[]> {
  loading ??= fetch('/openapi.json')
    .then(async (response) => {
      if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
      return actionTypesOf(await response.json());
    })
    .catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
  return loading;
}
