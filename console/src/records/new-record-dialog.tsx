import { useState } from 'preact/hooks';
import type { CreateRecord, CrmRecord, Pipeline } from '../../../src/domain';
import type { ApiError } from '../api';
import { Dialog } from '../components/dialog';
import { FieldError, fieldErrorId, ProblemMessage } from '../components/problem';
import { useApp } from '../session';
import { PropertyRows, propertiesOf, type PropertyRow } from './property-rows';

/**
 * Creates a record in a stage of `pipeline` (`POST /api/records`), which counts as entering that stage: the quick
 * way to watch an automation run without another system feeding records in.
 */
export function NewRecordDialog({
  pipeline,
  stageId,
  onCreated,
  onClose,
}: {
  pipeline: Pipeline;
  stageId: string;
  onCreated: (record: CrmRecord) => void;
  onClose: () => void;
}) {
  const { api } = useApp();
  const [id, setId] = useState('');
  const [stage, setStage] = useState(stageId);
  const [ownerId, setOwnerId] = useState('');
  const [contact, setContact] = useState('');
  const [rows, setRows] = useState<PropertyRow[]>([{ name: '', value: '' }]);
  const [error, setError] = useState<ApiError>();
  const [saving, setSaving] = useState(false);

  const submit = async () => {
    const body: Partial<CreateRecord> = {
      pipelineId: pipeline.id,
      stageId: stage,
      properties: propertiesOf(rows),
      ...(id.trim() && { id: id.trim() }),
      ...(ownerId.trim() && { ownerId: ownerId.trim() }),
      ...(contact.trim() && { contacts: [{ email: contact.trim(), marketing: false }] }),
    };
    setSaving(true);
    try {
      onCreated(await api.post<CrmRecord>('/api/records', body));
    } catch (caught) {
      setError(caught as ApiError);
    } finally {
      setSaving(false);
    }
  };

  const shown = ['id', 'stageId', 'ownerId', 'contacts', 'properties'];
  return (
    <Dialog title={`New record in ${pipeline.label}`} onClose={onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <div class="field">
          <label for="new-record-stage">Stage</label>
          <select id="new-record-stage" value={stage} onChange={(event) => setStage(event.currentTarget.value)}>
            {pipeline.stages.map((option) => (
              <option key={option.id} value={option.id}>
                {option.label}
              </option>
            ))}
          </select>
          <FieldError error={error} path="stageId" id="new-record-stage" />
        </div>
        <div class="field">
          <label for="new-record-id">Id (optional)</label>
          <input
            id="new-record-id"
            value={id}
            aria-describedby={fieldErrorId('new-record-id')}
            onInput={(event) => setId(event.currentTarget.value)}
          />
          <FieldError error={error} path="id" id="new-record-id" />
        </div>
        <div class="field">
          <label for="new-record-owner">Owner's email (optional)</label>
          <input
            id="new-record-owner"
            type="email"
            value={ownerId}
            aria-describedby={fieldErrorId('new-record-owner')}
            onInput={(event) => setOwnerId(event.currentTarget.value)}
          />
          <FieldError error={error} path="ownerId" id="new-record-owner" />
        </div>
        <div class="field">
          <label for="new-record-contact">Contact's email (optional)</label>
          <input
            id="new-record-contact"
            type="email"
            value={contact}
            aria-describedby={fieldErrorId('new-record-contact')}
            onInput={(event) => setContact(event.currentTarget.value)}
          />
          <FieldError error={error} path="contacts" id="new-record-contact" />
        </div>
        <PropertyRows rows={rows} onChange={setRows} error={error} />
        <ProblemMessage error={error} shownPaths={shown} />
        <div class="actions-row">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={saving}>
            Create record
          </button>
        </div>
      </form>
    </Dialog>
  );
}
