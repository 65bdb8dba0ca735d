import { useState } from 'preact/hooks';
import type {
  Pipeline,
  PutTicketStatusAutomation,
  TemplatedAutomationKey,
  TicketStatusAutomation,
} from '../../../src/domain';
import { type ApiError, apiPath } from '../api';
import { FieldError, fieldErrorId, ProblemMessage } from '../components/problem';
import { useApp } from '../session';
import { useResource } from '../use-resource';

const Automations: { key: TemplatedAutomationKey; label: string }[] = [
  { key: 'emailSentToCustomer', label: 'When an email is sent to the customer' },
  { key: 'customerReplied', label: 'When the customer replies' },
];

/**
 * A ticket pipeline's templated automations: each a checkbox and the status it moves the ticket to. Every change is
 * a PUT of that one automation; what is shown is what the API stored, so a refused tick stays unticked with the
 * API's reason beside the status.
 */
export function TicketAutomations({ pipeline }: { pipeline: Pipeline }) {
  const { api, canConfigure } = useApp();
  const path = apiPath`/api/pipelines/${pipeline.id}/ticket-status-automation`;
  const setting = useResource(() => api.get<TicketStatusAutomation>(path), path);
  const [error, setError] = useState<{ key: TemplatedAutomationKey; error: ApiError }>();

  const put = async (key: TemplatedAutomationKey, change: NonNullable<PutTicketStatusAutomation[typeof key]>) => {
    try {
      await api.put(path, { [key]: change });
      setError(undefined);
    } catch (caught) {
      setError({ key, error: caught as ApiError });
    }
    await setting.reload();
  };

  const stageLabel = (stageId: string | null) =>
    pipeline.stages.find((stage) => stage.id === stageId)?.label ?? stageId ?? 'no status';

  return (
    <section class="ticket-automations" aria-labelledby="ticket-automations-title">
      <h2 id="ticket-automations-title">Templated automations</h2>
      <ProblemMessage error={setting.error} />
      {setting.data && (
        <ul>
          {Automations.map(({ key, label }) => {
            const current = setting.data![key];
            const checkboxId = `ticket-automation-${key}`;
            const selectId = `${checkboxId}-status`;
            const refused = error?.key === key ? error.error : undefined;
            if (!canConfigure) {
              return (
                <li key={key}>
                  {label}: {current.enabled ? `on, moves the ticket to ${stageLabel(current.stageId)}` : 'off'}
                </li>
              );
            }
            return (
              <li key={key} class="ticket-automation">
                <span class="checkbox-field">
                  <input
                    id={checkboxId}
                    type="checkbox"
                    checked={current.enabled}
                    onChange={(event) => void put(key, { enabled: event.currentTarget.checked })}
                  />
                  <label for={checkboxId}>{label}</label>
                </span>
                <span class="status-field">
                  <label for={selectId}>Status</label>
                  <select
                    id={selectId}
                    aria-label={`Status ${label.toLowerCase()}`}
                    value={current.stageId ?? ''}
                    aria-describedby={fieldErrorId(selectId)}
                    onChange={(event) => void put(key, { stageId: event.currentTarget.value || null })}
                  >
                    <option value="">Choose a status</option>
                    {pipeline.stages.map((stage) => (
                      <option key={stage.id} value={stage.id}>
                        {stage.label}
                      </option>
                    ))}
                  </select>
                  <FieldError error={refused} path={`body.${key}.stageId`} id={selectId} />
                </span>
                <ProblemMessage error={refused} shownPaths={[`body.${key}.stageId`]} />
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
