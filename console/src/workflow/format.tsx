import type { Pipeline, Trigger } from '../../../src/domain';

/** A moment as the reader's clock shows it, with the instant itself in `datetime` (and as a tooltip). */
export function Time({ at }: { at?: string | null }) {
  if (!at) return <span class="muted">—</span>;
  return (
    <time dateTime={at} title={at}>
      {new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}
    </time>
  );
}

/** What starts the workflow, in words, naming the stage by its label when the pipeline is known. */
export function triggerInWords(trigger: Trigger, pipeline?: Pipeline): string {
  switch (trigger.type) {
    case 'stage_entered': {
      const stage = pipeline?.stages.find((candidate) => candidate.id === trigger.stageId);
      return `When a record enters ${stage ? `“${stage.label}”` : `stage ${trigger.stageId}`}`;
    }
    case 'property_changed':
      return `When a record’s “${trigger.property}” property changes`;
    case 'ticket_email':
      return trigger.on === 'email_sent_to_customer'
        ? 'When an email is sent to the customer from a ticket'
        : 'When the customer replies on a ticket';
  }
}
