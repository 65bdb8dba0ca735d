import { useState } from 'preact/hooks';
import type { Pipeline } from '../../../src/domain';
import { apiPath } from '../api';
import { ProblemMessage } from '../components/problem';
import { href } from '../router';
import { useApp } from '../session';
import { useResource } from '../use-resource';
import { EnrollmentsTab } from '../workflow/enrollments-tab';
import { WorkflowHeader, type WorkflowView } from '../workflow/header';
import { IssuesTab } from '../workflow/issues-tab';
import { RevisionsTab } from '../workflow/revisions-tab';
import { SettingsTab } from '../workflow/settings-tab';
import { TestRunTab } from '../workflow/test-run-tab';
import '../styles/workflow.css';

const TABS = [
  { id: 'settings', label: 'Settings' },
  { id: 'enrollments', label: 'Enrollments' },
  { id: 'issues', label: 'Issues' },
  { id: 'revisions', label: 'Revisions' },
  { id: 'test', label: 'Test run' },
] as const;
type TabId = (typeof TABS)[number]['id'];

/** The workflow page: its header and switch, then one tab at a time, each a link of its own (`#/workflows/:id/issues`). */
export function WorkflowPage({ workflowId, tab }: { workflowId: string; tab?: string }) {
  const { api } = useApp();
  const current: TabId = TABS.find((candidate) => candidate.id === tab)?.id ?? 'settings';
  // Polled: the switch may be flipped on the board, and a backfill's progress moves on.
  const workflow = useResource(() => api.get<WorkflowView>(apiPath`/api/workflows/${workflowId}`), workflowId, {
    pollMs: 3_000,
  });
  const pipelineId = workflow.data?.pipelineId;
  const pipeline = useResource(
    () => (pipelineId ? api.get<Pipeline>(apiPath`/api/pipelines/${pipelineId}`) : Promise.resolve(undefined)),
    pipelineId ?? '',
  );
  // The record a test run starts with: the enrollments' "Test run" links fill it in.
  const [testRecordId, setTestRecordId] = useState('');

  if (!workflow.data) {
    return (
      <section>
        <ProblemMessage error={workflow.error} />
        {!workflow.error && <p class="loading">Loading the workflow…</p>}
      </section>
    );
  }
  const data = workflow.data;
  return (
    <section class="workflow-page">
      <WorkflowHeader workflow={data} pipeline={pipeline.data} onChanged={workflow.reload} />
      <ProblemMessage error={workflow.error} />
      <nav class="tabs" aria-label="Workflow">
        {TABS.map(({ id, label }) => (
          <a
            key={id}
            href={href({ page: 'workflow', workflowId, tab: id })}
            aria-current={id === current ? 'page' : undefined}
          >
            {label}
          </a>
        ))}
      </nav>
      <div class="tab-panel">
        {current === 'settings' && <SettingsTab workflow={data} onSaved={workflow.reload} />}
        {current === 'enrollments' && <EnrollmentsTab workflow={data} onTestRun={setTestRecordId} />}
        {current === 'issues' && <IssuesTab workflow={data} />}
        {current === 'revisions' && <RevisionsTab workflow={data} onRestored={workflow.reload} />}
        {current === 'test' && (
          <TestRunTab workflow={data} recordId={testRecordId} onRecordIdChange={setTestRecordId} />
        )}
      </div>
    </section>
  );
}
