import { useEffect, useState } from 'preact/hooks';

/**
 * The console's places, as hash routes (`#/pipelines/deals`): the server serves one page, and a link can be
 * bookmarked or opened in a new tab.
 */
export type Route =
  | { page: 'pipelines' }
  | { page: 'board'; pipelineId: string }
  | { page: 'workflow'; workflowId: string; tab?: string }
  | { page: 'record'; recordId: string }
  | { page: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/pipelines';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [section, id, tab] = parts;
  if (section === 'pipelines' && !id) return { page: 'pipelines' };
  if (section === 'pipelines' && id) return { page: 'board', pipelineId: id };
  if (section === 'workflows' && id) return { page: 'workflow', workflowId: id, tab };
  if (section === 'records' && id) return { page: 'record', recordId: id };
  return { page: 'not-found', path };
}

/** The href of a route, for `<a href={href(...)}>`. */
export function href(route: Exclude<Route, { page: 'not-found' }>): string {
  switch (route.page) {
    case 'pipelines':
      return '#/pipelines';
    case 'board':
      return `#/pipelines/${encodeURIComponent(route.pipelineId)}`;
    case 'workflow':
      return `#/workflows/${encodeURIComponent(route.workflowId)}${route.tab ? `/${encodeURIComponent(route.tab)}` : ''}`;
    case 'record':
      return `#/records/${encodeURIComponent(route.recordId)}`;
  }
}

export function navigate(route: Exclude<Route, { page: 'not-found' }>): void {
  location.hash = href(route);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
