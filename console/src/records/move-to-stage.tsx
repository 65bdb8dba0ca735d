import { useState } from 'preact/hooks';
import type { CrmRecord, Pipeline } from '../../../src/domain';
import { apiPath, type ApiError } from '../api';
import { ProblemMessage } from '../components/problem';
import { useApp } from '../session';

/**
 * Moves a record to another stage of its pipeline (`PATCH /api/records/:id` with the version it shows, so a move
 * made meanwhile elsewhere is a conflict, not overwritten): a stage entry, as any other system would make it.
 */
export function MoveToStage({
  record,
  pipeline,
  onMoved,
}: {
  record: CrmRecord;
  pipeline: Pipeline;
  onMoved: (record: CrmRecord) => void;
}) {
  const { api, canIngest } = useApp();
  const others = pipeline.stages.filter((stage) => stage.id !== record.stageId);
  const [target, setTarget] = useState(others[0]?.id ?? '');
  const [error, setError] = useState<ApiError>();
  if (!canIngest || others.length === 0) return null;
  const selected = others.some((stage) => stage.id === target) ? target : (others[0]?.id ?? '');

  const move = async () => {
    try {
      const moved = await api.request<CrmRecord>(
        'PATCH',
        apiPath`/api/records/${record.id}`,
        { stageId: selected },
        {
          'If-Match': String(record.version),
        },
      );
      setError(undefined);
      onMoved(moved);
    } catch (caught) {
      setError(caught as ApiError);
    }
  };

  return (
    <form
      class="move-to-stage"
      onSubmit={(event) => {
        event.preventDefault();
        void move();
      }}
    >
      <label for="move-to-stage">Move to stage</label>
      <select id="move-to-stage" value={selected} onChange={(event) => setTarget(event.currentTarget.value)}>
        {others.map((stage) => (
          <option key={stage.id} value={stage.id}>
            {stage.label}
          </option>
        ))}
      </select>
      <button type="submit">Move</button>
      <ProblemMessage error={error} />
    </form>
  );
}
