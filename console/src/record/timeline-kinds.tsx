import type { TimelineKind } from '../../../src/domain';

/** The filter's groups of kinds: what was decided, what actions did, and what went wrong. */
export const KindGroups = { all: 'all', decisions: 'decisions', actions: 'actions', failures: 'failures' } as const;
export type KindGroup = (typeof KindGroups)[keyof typeof KindGroups];

export const KIND_GROUP_LABELS: Record<KindGroup, string> = {
  all: 'All lines',
  decisions: 'Decisions (entries, enrollments)',
  actions: 'Actions (runs, delays, waits)',
  failures: 'Failures (failed, skipped, not enrolled)',
};

type Tone = 'neutral' | 'ok' | 'warn' | 'bad';

interface KindLook {
  /** A symbol distinct per kind, shown beside the label: never colour alone. */
  icon: string;
  label: string;
  tone: Tone;
  group: 'decisions' | 'actions';
  /** Counted under Failures: the kinds a workflow's Issues group (GET /api/workflows/:id/issues). */
  failure?: true;
}

/** How each kind of line looks; the compiler checks that every kind the API writes has one. */
const KIND_LOOKS: Record<TimelineKind, KindLook> = {
  stage_entered: { icon: '➔', label: 'Stage entered', tone: 'neutral', group: 'decisions' },
  email_received: { icon: '✉', label: 'Email received', tone: 'neutral', group: 'decisions' },
  property_changed: { icon: '✎', label: 'Property changed', tone: 'neutral', group: 'decisions' },
  status_changed: { icon: '⇄', label: 'Status changed', tone: 'neutral', group: 'decisions' },
  enrolled: { icon: '⊕', label: 'Enrolled', tone: 'ok', group: 'decisions' },
  not_enrolled: { icon: '⊘', label: 'Not enrolled', tone: 'warn', group: 'decisions', failure: true },
  unenrolled: { icon: '⊖', label: 'Unenrolled', tone: 'neutral', group: 'decisions' },
  enrollment_completed: { icon: '⚑', label: 'Enrollment completed', tone: 'ok', group: 'decisions' },
  action_completed: { icon: '✓', label: 'Action completed', tone: 'ok', group: 'actions' },
  action_skipped: { icon: '↷', label: 'Action skipped', tone: 'warn', group: 'actions', failure: true },
  action_failed: { icon: '✕', label: 'Action failed', tone: 'bad', group: 'actions', failure: true },
  action_retried: { icon: '↻', label: 'Action retried', tone: 'neutral', group: 'actions' },
  delay_started: { icon: '◷', label: 'Delay started', tone: 'neutral', group: 'actions' },
  waiting_for_window: { icon: '◫', label: 'Waiting for the execution window', tone: 'neutral', group: 'actions' },
  waiting_for_pause_date: { icon: '‖', label: 'Waiting past a pause date', tone: 'neutral', group: 'actions' },
};

/** A kind this console does not know yet (a newer server) still shows, under its own name. */
export function kindLook(kind: string): KindLook {
  return (
    (KIND_LOOKS as Record<string, KindLook | undefined>)[kind] ?? {
      icon: '•',
      label: kind.replaceAll('_', ' '),
      tone: 'neutral',
      group: 'decisions',
    }
  );
}

export function inGroup(kind: string, group: KindGroup): boolean {
  const look = kindLook(kind);
  if (group === 'all') return true;
  if (group === 'failures') return look.failure === true;
  return look.group === group;
}
