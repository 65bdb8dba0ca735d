import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ApiError, createApi } from './api';
import { ProblemMessage } from './components/problem';
import { RecordSearch } from './components/record-search';
import { BoardPage } from './pages/board';
import { PipelinesPage } from './pages/pipelines';
import { RecordPage } from './pages/record';
import { WorkflowPage } from './pages/workflow';
import { href, type Route, useRoute } from './router';
import { App, type AppContext, forgetToken, type Session, storedToken, storeToken, useApp } from './session';
import './styles.css';

function Console() {
  const [token, setToken] = useState(storedToken);
  const [context, setContext] = useState<AppContext>();
  const [error, setError] = useState<ApiError>();

  useEffect(() => {
    if (!token) return;
    const signOut = () => {
      forgetToken();
      setContext(undefined);
      setToken(null);
    };
    const api = createApi(token, () => {
      setError(new ApiError({ title: 'Signed out', status: 401, detail: 'The token is no longer valid.' }));
      signOut();
    });
    api
      .get<Session>('/api/session')
      .then((session) =>
        setContext({
          api,
          session,
          canRead: session.permissions.includes('read'),
          canConfigure: session.permissions.includes('configure'),
          canIngest: session.permissions.includes('ingest'),
        }),
      )
      .catch((caught: unknown) => {
        if (caught instanceof ApiError) setError(caught);
        signOut();
      });
  }, [token]);

  if (!token) {
    return (
      <SignIn
        error={error}
        onSignIn={(entered) => {
          storeToken(entered);
          setError(undefined);
          setToken(entered);
        }}
      />
    );
  }
  if (!context) return <p class="loading">Signing in…</p>;
  return (
    <App.Provider value={context}>
      <Shell
        onSignOut={() => {
          forgetToken();
          setContext(undefined);
          setToken(null);
        }}
      />
    </App.Provider>
  );
}

function SignIn({ error, onSignIn }: { error?: ApiError; onSignIn: (token: string) => void }) {
  const [value, setValue] = useState('');
  return (
    <main class="sign-in">
      <h1>Pipewright</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim()) onSignIn(value.trim());
        }}
      >
        <label for="token">API token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          required
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
        <p class="hint">
          <code>npm start</code> prints one and writes it to <code>.data/admin-token</code>. It is kept for this browser
          session only.
        </p>
        <ProblemMessage error={error} />
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function Shell({ onSignOut }: { onSignOut: () => void }) {
  const route = useRoute();
  const { session, canRead } = useApp();
  const page = useMemo(() => (canRead || route.page === 'record' ? pageFor(route) : <RecordsOnly />), [route, canRead]);
  useEffect(() => {
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [route]);
  return (
    <>
      <a
        class="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header class="top-bar">
        <a class="brand" href={href({ page: 'pipelines' })}>
          Pipewright
        </a>
        <nav aria-label="Main">
          {canRead && <a href={href({ page: 'pipelines' })}>Pipelines</a>}
          <RecordSearch />
        </nav>
        <span class="who">
          {session.name} <span class="role">({session.role})</span>
        </span>
        <button type="button" class="link-button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </>
  );
}

/** What a token that may not read configuration (an `integration` one) sees instead of pipelines and workflows. */
function RecordsOnly() {
  const { session } = useApp();
  return (
    <section>
      <h1>Records</h1>
      <p>
        A <code>{session.role}</code> token reads and changes records, not pipelines or workflows. Open a record by its
        id with <strong>Open record</strong> above to see its timeline and move it to another stage.
      </p>
    </section>
  );
}

function pageFor(route: Route) {
  switch (route.page) {
    case 'pipelines':
      return <PipelinesPage />;
    case 'board':
      return <BoardPage key={route.pipelineId} pipelineId={route.pipelineId} />;
    case 'workflow':
      return <WorkflowPage key={route.workflowId} workflowId={route.workflowId} tab={route.tab} />;
    case 'record':
      return <RecordPage key={route.recordId} recordId={route.recordId} />;
    case 'not-found':
      return (
        <section>
          <h1>Not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <a href={href({ page: 'pipelines' })}>Go to the pipelines</a>.
          </p>
        </section>
      );
  }
}

render(<Console />, document.getElementById('app')!);
