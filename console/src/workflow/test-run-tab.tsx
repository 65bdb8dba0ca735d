import { useState } from 'preact/hooks';
import type { TestRun as WalkedRun, TestRunStep } from '../../../src/domain/test-run';
import { type ApiError, apiPath } from '../api';
import { ActionTypeLabels } from '../board/action-summary';
import { FieldError, fieldErrorId, ProblemMessage } from '../components/problem';
import { href } from '../router';
import { useApp } from '../session';
import { Time } from './format';
import type { WorkflowView } from './header';

/** `POST /api/workflows/:id/test`: the enrollment decision, and the walk with how it would end. */
type TestRun = WalkedRun & { wouldEnroll: boolean; reason?: string; enabled: boolean };

const OUTCOMES: Record<TestRunStep['outcome'], { icon: string; label: string }> = {
  run: { icon: '✓', label: 'runs' },
  skip: { icon: '↷', label: 'skipped' },
  wait: { icon: '◷', label: 'waits' },
};

/**
 * What the workflow would do for one record now, step by step, as the API walks it; the run writes nothing. The
 * route needs a configure role, so other roles are told so instead of offered the form.
 */
export function TestRunTab({
  workflow,
  recordId,
  onRecordIdChange,
}: {
  workflow: WorkflowView;
  recordId: string;
  onRecordIdChange: (recordId: string) => void;
}) {
  const { api, canConfigure } = useApp();
  const [result, setResult] = useState<{ recordId: string; run: TestRun }>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  if (!canConfigure) {
    return <p class="hint">A test run needs a role that can configure workflows; yours can read them only.</p>;
  }
  const test = async () => {
    setBusy(true);
    const tested = recordId.trim();
    try {
      const run = await api.post<TestRun>(apiPath`/api/workflows/${workflow.id}/test`, { recordId: tested });
      setError(undefined);
      setResult({ recordId: tested, run });
    } catch (caught) {
      setError(caught as ApiError);
      setResult(undefined);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="test-run">
      <p class="hint">
        A test run walks the workflow’s current definition for a record as it is now, and writes nothing: no task,
        email, property, stage, webhook call, enrollment or timeline line. It works while the workflow is off.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void test();
        }}
      >
        <div class="field">
          <label for="test-record">Record</label>
          <div class="inline">
            <input
              id="test-record"
              value={recordId}
              placeholder="record id"
              required
              aria-describedby={fieldErrorId('test-record')}
              onInput={(event) => onRecordIdChange(event.currentTarget.value)}
            />
            <button type="submit" disabled={busy}>
              Run the test
            </button>
          </div>
          <FieldError error={error} path="recordId" id="test-record" />
        </div>
        <ProblemMessage error={error} shownPaths={['recordId']} />
      </form>
      {result && (
        <section class="test-result" aria-label="Test run result" aria-live="polite">
          <p class={result.run.wouldEnroll ? 'verdict yes' : 'verdict no'}>
            <a href={href({ page: 'record', recordId: result.recordId })}>{result.recordId}</a>{' '}
            {result.run.wouldEnroll ? 'would enroll' : 'would not enroll'}
            {result.run.reason && `: ${result.run.reason}`}
            {!result.run.enabled && ' (the workflow is off; tested as if it were on)'}
          </p>
          {result.run.steps.length === 0 && result.run.endedBy === 'completed' ? (
            <p class="empty">The workflow has no actions.</p>
          ) : (
            <ol class="steps">
              {result.run.steps.map((step, index) => {
                const outcome = OUTCOMES[step.outcome];
                return (
                  <li key={index} class={`step step-${step.outcome}`}>
                    <span class="step-icon" aria-hidden="true">
                      {outcome.icon}
                    </span>
                    <span class="step-body">
                      <span class="step-head">
                        <strong>{ActionTypeLabels[step.type]}</strong> <code class="muted">{step.actionId}</code>{' '}
                        <span class={`badge outcome-${step.outcome}`}>{outcome.label}</span>
                      </span>
                      <span class="step-detail">{step.detail}</span>
                      {step.wakeAt && (
                        <span class="step-wake">
                          until <Time at={step.wakeAt} />
                        </span>
                      )}
                    </span>
                  </li>
                );
              })}
            </ol>
          )}
          <p class="ending">
            {result.run.endedBy === 'goal'
              ? `The record meets the goal before ${result.run.stoppedBefore}: the enrollment would end there (unenrolled: ${result.run.endReason}).`
              : 'The enrollment would then complete.'}
          </p>
        </section>
      )}
    </div>
  );
}
