import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Permission, Role } from '../../src/domain';
import type { Api } from './api';

/** What `GET /api/session` answers: who the token is and what its role may do. */
export interface Session {
  name: string;
  role: Role;
  permissions: Permission[];
  temporal: { namespace: string; uiUrl: string | null };
}

/** The token lives in sessionStorage: it is gone when the browser session ends, and never leaves this origin. */
const TOKEN_KEY = 'pipewright.token';

export const storedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export const storeToken = (token: string): void => sessionStorage.setItem(TOKEN_KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(TOKEN_KEY);

export interface AppContext {
  api: Api;
  session: Session;
  /** Reading pipelines and workflows: an `integration` token reads records only. */
  canRead: boolean;
  /** Creating, editing and toggling pipelines and workflows: what a viewer is not offered. */
  canConfigure: boolean;
  /** Creating records and moving them between stages. */
  canIngest: boolean;
}

export const App = createContext<AppContext | null>(null);

/** The signed-in API and session; only pages under the signed-in shell call it. */
export function useApp(): AppContext {
  const context = useContext(App);
  if (!context) throw new Error('useApp() outside the signed-in console');
  return context;
}

/** A link to an enrollment's workflow in the Temporal UI, when the API knows where that is. */
export function temporalWorkflowUrl(session: Session, workflowId: string): string | null {
  if (!session.temporal.uiUrl) return null;
  return `${session.temporal.uiUrl}/namespaces/${encodeURIComponent(session.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
