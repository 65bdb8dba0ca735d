import type { CrmRecord, Pipeline } from '../../../src/domain';
import { MoveToStage } from '../records/move-to-stage';
import { href } from '../router';
import { When } from './when';

/** A property's value as written: a string as it is, anything else as JSON. */
function shownValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Who and where the record is: its pipeline and stage, owner, properties and contacts. */
export function RecordHeader({
  record,
  pipeline,
  onMoved,
}: {
  record: CrmRecord;
  pipeline?: Pipeline;
  onMoved: () => void;
}) {
  const stage = pipeline?.stages.find((candidate) => candidate.id === record.stageId);
  // By name: the order in which PostgreSQL's jsonb gives keys back is not the order they were written in.
  const properties = Object.entries(record.properties).sort(([a], [b]) => a.localeCompare(b));
  return (
    <header class="record-header">
      <h1>
        <span class="record-type">{record.objectType}</span> <code class="record-id">{record.id}</code>
      </h1>
      <dl class="record-facts">
        <div>
          <dt>Pipeline</dt>
          <dd>
            <a href={href({ page: 'board', pipelineId: record.pipelineId })}>{pipeline?.label ?? record.pipelineId}</a>
          </dd>
        </div>
        <div>
          <dt>Stage</dt>
          <dd class="record-stage">
            {stage?.label ?? record.stageId}
            {stage?.state === 'closed' && <span class="muted"> (closed)</span>}
          </dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>{record.ownerId ?? <span class="muted">none</span>}</dd>
        </div>
        <div>
          <dt>Source</dt>
          <dd>{record.source ?? <span class="muted">none</span>}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>
            <When at={record.updatedAt} /> <span class="muted">(version {record.version})</span>
          </dd>
        </div>
      </dl>
      {pipeline && <MoveToStage record={record} pipeline={pipeline} onMoved={onMoved} />}
      <div class="record-columns">
        <section aria-labelledby="properties-heading">
          <h2 id="properties-heading">Properties</h2>
          {properties.length === 0 ? (
            <p class="muted">No properties.</p>
          ) : (
            <dl class="record-properties">
              {properties.map(([name, value]) => (
                <div key={name}>
                  <dt>{name}</dt>
                  <dd>{shownValue(value)}</dd>
                </div>
              ))}
            </dl>
          )}
        </section>
        <section aria-labelledby="contacts-heading">
          <h2 id="contacts-heading">Contacts</h2>
          {record.contacts.length === 0 ? (
            <p class="muted">No contacts.</p>
          ) : (
            <ul class="record-contacts">
              {record.contacts.map((contact) => (
                <li key={contact.email}>
                  {contact.name && <span>{contact.name} </span>}
                  <a href={`mailto:${contact.email}`}>{contact.email}</a>
                  {contact.marketing && <span class="muted"> · accepts marketing email</span>}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </header>
  );
}
