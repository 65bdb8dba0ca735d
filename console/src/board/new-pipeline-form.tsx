import { useState } from 'preact/hooks';
import type { Pipeline, StageState } from '../../../src/domain';
import type { ApiError } from '../api';
import { FieldError, fieldErrorId, ProblemMessage } from '../components/problem';
import { useApp } from '../session';

interface StageDraft {
  /** Keys the row while stages move; never sent. */
  key: number;
  label: string;
  /** Follows the label (as a slug) until typed into. */
  id: string;
  idTyped: boolean;
  state: StageState;
}

const BASE_TYPES = ['deal', 'project', 'ticket'] as const;

/** `Closed won` → `closed-won`: a stage id the API takes, readable in URLs and in `PATCH { stageId }`. */
const slug = (label: string): string =>
  label
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);

let nextKey = 0;
const newStage = (): StageDraft => ({ key: nextKey++, label: '', id: '', idTyped: false, state: 'open' });

/**
 * `POST /api/pipelines` as a form: object type, label and the ordered stages. The API checks it; its messages appear
 * beside the fields they name (`body.stages[1].id`).
 */
export function NewPipelineForm({ onCreated }: { onCreated: (pipeline: Pipeline) => void }) {
  const { api } = useApp();
  const [label, setLabel] = useState('');
  const [baseType, setBaseType] = useState<(typeof BASE_TYPES)[number] | 'custom'>('deal');
  const [customName, setCustomName] = useState('');
  const [stages, setStages] = useState<StageDraft[]>(() => [newStage()]);
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);

  const update = (index: number, change: Partial<StageDraft>) =>
    setStages((list) => list.map((stage, at) => (at === index ? { ...stage, ...change } : stage)));
  const move = (index: number, by: -1 | 1) =>
    setStages((list) => {
      const moved = [...list];
      [moved[index], moved[index + by]] = [moved[index + by]!, moved[index]!];
      return moved;
    });

  const submit = async () => {
    setBusy(true);
    try {
      const pipeline = await api.post<Pipeline>('/api/pipelines', {
        objectType: baseType === 'custom' ? `custom:${customName}` : baseType,
        label,
        stages: stages.map((stage) => ({ label: stage.label, state: stage.state, ...(stage.id && { id: stage.id }) })),
      });
      onCreated(pipeline);
    } catch (caught) {
      setError(caught as ApiError);
      setBusy(false);
    }
  };

  const shown = ['body.label', 'body.objectType', 'body.stages'].concat(
    stages.flatMap((_, index) => [`body.stages[${index}].label`, `body.stages[${index}].id`]),
  );
  return (
    <form
      class="new-pipeline"
      aria-labelledby="new-pipeline-title"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2 id="new-pipeline-title">New pipeline</h2>
      <div class="field">
        <label for="pipeline-label">Label</label>
        <input
          id="pipeline-label"
          value={label}
          aria-describedby={fieldErrorId('pipeline-label')}
          onInput={(event) => setLabel(event.currentTarget.value)}
        />
        <FieldError error={error} path="body.label" id="pipeline-label" />
      </div>
      <div class="field-row">
        <div class="field">
          <label for="pipeline-type">Object type</label>
          <select
            id="pipeline-type"
            value={baseType}
            aria-describedby={fieldErrorId('pipeline-type')}
            onChange={(event) => setBaseType(event.currentTarget.value as typeof baseType)}
          >
            {BASE_TYPES.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
            <option value="custom">custom…</option>
          </select>
          <FieldError error={error} path="body.objectType" id="pipeline-type" />
        </div>
        {baseType === 'custom' && (
          <div class="field">
            <label for="pipeline-custom">Custom object name</label>
            <input
              id="pipeline-custom"
              value={customName}
              aria-describedby={fieldErrorId('pipeline-type')}
              onInput={(event) => setCustomName(event.currentTarget.value)}
            />
          </div>
        )}
      </div>
      <fieldset class="stages-fieldset" aria-describedby={fieldErrorId('pipeline-stages')}>
        <legend>Stages, in order</legend>
        <FieldError error={error} path="body.stages" id="pipeline-stages" />
        <ol class="stage-drafts">
          {stages.map((stage, index) => (
            <StageRow
              key={stage.key}
              stage={stage}
              index={index}
              count={stages.length}
              error={error}
              onChange={(change) => update(index, change)}
              onMove={(by) => move(index, by)}
              onRemove={() => setStages((list) => list.filter((_, at) => at !== index))}
            />
          ))}
        </ol>
        <button type="button" onClick={() => setStages((list) => [...list, newStage()])}>
          Add stage
        </button>
      </fieldset>
      <ProblemMessage error={error} shownPaths={shown} />
      <div class="actions-row">
        <button type="submit" disabled={busy}>
          Create pipeline
        </button>
      </div>
    </form>
  );
}

function StageRow({
  stage,
  index,
  count,
  error,
  onChange,
  onMove,
  onRemove,
}: {
  stage: StageDraft;
  index: number;
  count: number;
  error?: ApiError;
  onChange: (change: Partial<StageDraft>) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const n = index + 1;
  const labelId = `stage-${stage.key}-label`;
  const idId = `stage-${stage.key}-id`;
  const stateId = `stage-${stage.key}-state`;
  return (
    <li class="stage-draft">
      <div class="field">
        <label for={labelId}>
          <span class="visually-hidden">Stage {n} </span>
          Label
        </label>
        <input
          id={labelId}
          value={stage.label}
          aria-describedby={fieldErrorId(labelId)}
          onInput={(event) => {
            const value = event.currentTarget.value;
            onChange(stage.idTyped ? { label: value } : { label: value, id: slug(value) });
          }}
        />
        <FieldError error={error} path={`body.stages[${index}].label`} id={labelId} />
      </div>
      <div class="field">
        <label for={idId}>
          <span class="visually-hidden">Stage {n} </span>
          ID
        </label>
        <input
          id={idId}
          value={stage.id}
          aria-describedby={fieldErrorId(idId)}
          onInput={(event) => onChange({ id: event.currentTarget.value, idTyped: true })}
        />
        <FieldError error={error} path={`body.stages[${index}].id`} id={idId} />
      </div>
      <div class="field">
        <label for={stateId}>
          <span class="visually-hidden">Stage {n} </span>
          State
        </label>
        <select
          id={stateId}
          value={stage.state}
          onChange={(event) => onChange({ state: event.currentTarget.value as StageState })}
        >
          <option value="open">open</option>
          <option value="closed">closed</option>
        </select>
      </div>
      <div class="stage-draft-controls">
        <button type="button" aria-label={`Move stage ${n} up`} disabled={index === 0} onClick={() => onMove(-1)}>
          ↑
        </button>
        <button
          type="button"
          aria-label={`Move stage ${n} down`}
          disabled={index === count - 1}
          onClick={() => onMove(1)}
        >
          ↓
        </button>
        <button type="button" class="danger" aria-label={`Remove stage ${n}`} onClick={onRemove}>
          ✕
        </button>
      </div>
    </li>
  );
}
