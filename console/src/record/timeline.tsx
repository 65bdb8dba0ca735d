import { useMemo, useState } from 'preact/hooks';
import type { TimelineItem } from '../../../src/domain/timeline';
import { ProblemMessage } from '../components/problem';
import { href } from '../router';
import { inGroup, KIND_GROUP_LABELS, type KindGroup, KindGroups, kindLook } from './timeline-kinds';
import { arrivedSince, useTimeline } from './use-timeline';
import { When } from './when';

/**
 * The record's timeline, newest first, live: new lines come in at the top while the lines on screen stay where they
 * are (the browser's scroll anchoring keeps the reader's place when they arrive above it). Filters by workflow and
 * by group of kinds, over the lines read so far; "Older" reads the next lines further back.
 */
export function Timeline({ recordId, workflowNames }: { recordId: string; workflowNames: Map<string, string> }) {
  const timeline = useTimeline(recordId);
  const items = useMemo(() => timeline.lines ?? [], [timeline.lines]);
  const [workflowId, setWorkflowId] = useState('');
  const [group, setGroup] = useState<KindGroup>(KindGroups.all);

  const shown = useMemo(
    () => items.filter((item) => (!workflowId || item.workflowId === workflowId) && inGroup(item.kind, group)),
    [items, workflowId, group],
  );
  const workflowIds = [...new Set(items.flatMap((item) => (item.workflowId ? [item.workflowId] : [])))].sort((a, b) =>
    (workflowNames.get(a) ?? a).localeCompare(workflowNames.get(b) ?? b),
  );
  const arrived = items.filter((item) => arrivedSince(item, timeline.openedAt)).length;

  return (
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      <form class="timeline-filters" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="timeline-workflow">Workflow</label>
          <select
            id="timeline-workflow"
            value={workflowId}
            onChange={(event) => setWorkflowId(event.currentTarget.value)}
          >
            <option value="">All workflows and record events</option>
            {workflowIds.map((id) => (
              <option key={id} value={id}>
                {workflowNames.get(id) ?? id}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="timeline-group">Kinds</label>
          <select
            id="timeline-group"
            value={group}
            onChange={(event) => setGroup(event.currentTarget.value as KindGroup)}
          >
            {Object.values(KindGroups).map((value) => (
              <option key={value} value={value}>
                {KIND_GROUP_LABELS[value]}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ProblemMessage error={timeline.error} />
      <p class="visually-hidden" role="status">
        {arrived > 0 ? `${arrived} new timeline ${arrived === 1 ? 'line' : 'lines'} since the page opened` : ''}
      </p>
      {!timeline.lines && !timeline.error && <p class="muted timeline-placeholder">Reading the timeline…</p>}
      {timeline.lines && shown.length === 0 && !timeline.hasOlder && (
        <p class="muted">{items.length === 0 ? 'Nothing has happened to this record yet.' : 'No line matches.'}</p>
      )}
      <ol class="timeline" aria-label="Timeline, newest first">
        {shown.map((item) => (
          <TimelineLine
            key={item.id}
            item={item}
            workflowName={item.workflowId && workflowNames.get(item.workflowId)}
            arrived={arrivedSince(item, timeline.openedAt)}
          />
        ))}
      </ol>
      {timeline.hasOlder && (
        <button type="button" class="timeline-older" onClick={() => void timeline.loadOlder()}>
          Older lines
        </button>
      )}
    </section>
  );
}

function TimelineLine({
  item,
  workflowName,
  arrived,
}: {
  item: TimelineItem;
  workflowName?: string | false;
  arrived: boolean;
}) {
  const look = kindLook(item.kind);
  return (
    <li class={`timeline-line tone-${look.tone}${arrived ? ' arrived' : ''}`} data-kind={item.kind}>
      <span class="kind-icon" aria-hidden="true">
        {look.icon}
      </span>
      <div class="line-body">
        <p class="line-head">
          <strong class="kind-label">{look.label}</strong> <When at={item.at} />
        </p>
        <p class="line-detail">{item.detail}</p>
        {(item.workflowId || item.actionId) && (
          <p class="line-meta">
            {item.workflowId && (
              <span>
                Workflow{' '}
                <a href={href({ page: 'workflow', workflowId: item.workflowId })}>{workflowName || item.workflowId}</a>
              </span>
            )}
            {item.actionId && (
              <span>
                Action <code>{item.actionId}</code>
              </span>
            )}
          </p>
        )}
      </div>
    </li>
  );
}
