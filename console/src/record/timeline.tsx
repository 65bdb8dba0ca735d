import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { TimelineItem } from '../../../src/domain/timeline';
import { ProblemMessage } from '../components/problem';
import { href } from '../router';
import { inGroup, KIND_GROUP_LABELS, type KindGroup, KindGroups, kindLook } from './timeline-kinds';
import { useTimeline } from './use-timeline';
import { When } from './when';

/** How many more lines "Older" shows, and how many the page opens with. */
const SHOWN_STEP = 50;

interface Line {
  item: TimelineItem;
  /** Its place in the timeline, oldest first: stable while lines are added, so it keys the list item. */
  index: number;
}

/**
 * The record's timeline, newest first, live: new lines come in at the top while the lines on screen stay where they
 * are (the browser's scroll anchoring keeps the reader's place when they arrive above it). Filters by workflow and
 * by group of kinds; "Older" shows the next lines further back.
 */
export function Timeline({ recordId, workflowNames }: { recordId: string; workflowNames: Map<string, string> }) {
  const timeline = useTimeline(recordId);
  const items = useMemo(() => timeline.data ?? [], [timeline.data]);
  const [workflowId, setWorkflowId] = useState('');
  const [group, setGroup] = useState<KindGroup>(KindGroups.all);
  /** The oldest line shown (its index), fixed once set so that new lines add to what is shown and push nothing out. */
  const [floor, setFloor] = useState<number>();
  /** Lines at or past this index came in while the page was open: they are marked as new. */
  const firstRead = useRef<number | undefined>(undefined);
  if (timeline.data && firstRead.current === undefined) firstRead.current = timeline.data.length;

  const matching = useMemo(() => {
    const lines: Line[] = [];
    items.forEach((item, index) => {
      if ((!workflowId || item.workflowId === workflowId) && inGroup(item.kind, group)) lines.push({ item, index });
    });
    return lines.reverse();
  }, [items, workflowId, group]);
  const openingFloor = matching[Math.min(SHOWN_STEP, matching.length) - 1]?.index ?? 0;
  const shownFloor = floor ?? openingFloor;
  useEffect(() => {
    if (timeline.data && floor === undefined) setFloor(openingFloor);
  }, [timeline.data, floor, openingFloor]);

  const shown = matching.filter((line) => line.index >= shownFloor);
  const older = matching.length - shown.length;
  const workflowIds = [...new Set(items.flatMap((item) => (item.workflowId ? [item.workflowId] : [])))].sort((a, b) =>
    (workflowNames.get(a) ?? a).localeCompare(workflowNames.get(b) ?? b),
  );
  const arrived = firstRead.current === undefined ? 0 : items.length - firstRead.current;

  return (
    <section aria-labelledby="timeline-heading">
      <h2 id="timeline-heading">Timeline</h2>
      <form class="timeline-filters" onSubmit={(event) => event.preventDefault()}>
        <div class="field">
          <label for="timeline-workflow">Workflow</label>
          <select
            id="timeline-workflow"
            value={workflowId}
            onChange={(event) => {
              setWorkflowId(event.currentTarget.value);
              setFloor(undefined);
            }}
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
            onChange={(event) => {
              setGroup(event.currentTarget.value as KindGroup);
              setFloor(undefined);
            }}
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
      {!timeline.data && !timeline.error && <p class="muted timeline-placeholder">Reading the timeline…</p>}
      {timeline.data && matching.length === 0 && (
        <p class="muted">{items.length === 0 ? 'Nothing has happened to this record yet.' : 'No line matches.'}</p>
      )}
      <ol class="timeline" aria-label="Timeline, newest first">
        {shown.map(({ item, index }) => (
          <TimelineLine
            key={index}
            item={item}
            workflowName={item.workflowId && workflowNames.get(item.workflowId)}
            arrived={firstRead.current !== undefined && index >= firstRead.current}
          />
        ))}
      </ol>
      {older > 0 && (
        <button
          type="button"
          class="timeline-older"
          onClick={() => setFloor(matching[Math.min(shown.length + SHOWN_STEP, matching.length) - 1]?.index ?? 0)}
        >
          Older ({older} more)
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
