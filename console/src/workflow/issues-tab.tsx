import { useState } from 'preact/hooks';
import type { WorkflowIssue } from '../../../src/domain/issues';
import { type ApiError, apiPath } from '../api';
import { ProblemMessage } from '../components/problem';
import { href } from '../router';
import { useApp } from '../session';
import { useResource } from '../use-resource';
import { Time } from './format';
import type { WorkflowView } from './header';

const KIND_LABELS: Record<WorkflowIssue['kind'], string> = {
  action_failed: 'Failed',
  action_skipped: 'Skipped',
  not_enrolled: 'Not enrolled',
};

/** A group's key: one action, kind and reason (the API's grouping). */
const issueKey = (issue: WorkflowIssue) => `${issue.kind}\u0000${issue.actionId ?? ''}\u0000${issue.reason}`;

/**
 * What went wrong, grouped by reason as `GET /api/workflows/:id/issues` answers, the latest first, refreshed every
 * 3 s. A failed action's group offers "Retry" to a configure role: the action runs again for every enrollment where
 * it failed last.
 */
export function IssuesTab({ workflow }: { workflow: WorkflowView }) {
  const { api, canConfigure } = useApp();
  const issues = useResource(
    () => api.get<{ items: WorkflowIssue[] }>(apiPath`/api/workflows/${workflow.id}/issues`),
    workflow.id,
    { pollMs: 3_000 },
  );
  const [retried, setRetried] = useState<Record<string, { count?: number; error?: ApiError }>>({});

  const retry = async (issue: WorkflowIssue, actionId: string) => {
    try {
      const answer = await api.post<{ retried: number }>(
        apiPath`/api/workflows/${workflow.id}/actions/${actionId}/retry`,
        {},
      );
      setRetried((previous) => ({ ...previous, [issueKey(issue)]: { count: answer.retried } }));
      await issues.reload();
    } catch (caught) {
      setRetried((previous) => ({ ...previous, [issueKey(issue)]: { error: caught as ApiError } }));
    }
  };

  const items = issues.data?.items;
  return (
    <div class="issues" aria-busy={issues.loading}>
      <ProblemMessage error={issues.error} />
      {items && items.length === 0 && <p class="empty">No failures, skips or refusals so far.</p>}
      <ul class="issue-list">
        {items?.map((issue) => {
          const key = issueKey(issue);
          const outcome = retried[key];
          const { actionId } = issue;
          return (
            <li key={key} class={`issue issue-${issue.kind}`}>
              <div class="issue-head">
                <span class={`badge kind-${issue.kind}`}>{KIND_LABELS[issue.kind]}</span>
                {actionId && <code>{actionId}</code>}
                <span class="count">
                  {issue.count} {issue.count === 1 ? 'time' : 'times'}
                </span>
              </div>
              <p class="reason">{issue.reason}</p>
              <p class="when muted">
                First <Time at={issue.firstAt} />, last <Time at={issue.lastAt} />
              </p>
              <p class="samples">
                <span class="muted">Records: </span>
                {issue.sampleRecordIds.map((recordId, index) => (
                  <span key={recordId}>
                    {index > 0 && ', '}
                    <a href={href({ page: 'record', recordId })}>{recordId}</a>
                  </span>
                ))}
              </p>
              {canConfigure && issue.kind === 'action_failed' && actionId && (
                <div class="retry">
                  <button type="button" onClick={() => void retry(issue, actionId)}>
                    Retry {actionId}
                  </button>
                  <span role="status">
                    {outcome?.count !== undefined &&
                      `Retried ${outcome.count} ${outcome.count === 1 ? 'enrollment' : 'enrollments'}.`}
                  </span>
                  <ProblemMessage error={outcome?.error} />
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
