import type { SentEmail } from '../../../src/domain/emails';
import type { Task } from '../../../src/domain/tasks';
import type { Api } from '../api';
import { ProblemMessage } from '../components/problem';
import { useApp } from '../session';
import { useResource } from '../use-resource';
import { MaybeWhen, When } from './when';

const POLL_MS = 2_000;

/** Reads every item of a list route (`GET /api/tasks`, `GET /api/emails`) for one record, following its cursor. */
async function readAll<T>(api: Api, path: string, recordId: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const query = new URLSearchParams({ recordId, limit: '500' });
    if (cursor) query.set('cursor', cursor);
    const page = await api.get<{ items: T[]; nextCursor?: string }>(`${path}?${query.toString()}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items.reverse();
}

/** The tasks automations created for the record, newest first, polled. */
export function Tasks({ recordId }: { recordId: string }) {
  const { api } = useApp();
  const tasks = useResource(() => readAll<Task>(api, '/api/tasks', recordId), recordId, { pollMs: POLL_MS });
  return (
    <section aria-labelledby="tasks-heading">
      <h2 id="tasks-heading">Tasks</h2>
      <ProblemMessage error={tasks.error} />
      {!tasks.data && !tasks.error && <p class="muted">Reading the tasks…</p>}
      {tasks.data?.length === 0 && <p class="muted">No tasks.</p>}
      {tasks.data && tasks.data.length > 0 && (
        <div class="table-wrap">
          <table class="record-table">
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Due</th>
                <th scope="col">Assignee</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {tasks.data.map((task) => (
                <tr key={task.id}>
                  <th scope="row">
                    {task.title}
                    {task.body && <p class="cell-note">{task.body}</p>}
                  </th>
                  <td>
                    <MaybeWhen at={task.dueAt} />
                  </td>
                  <td>{task.assignee ?? <span class="muted">nobody</span>}</td>
                  <td>
                    <When at={task.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The emails that left for the record (what SMTP accepted), newest first, polled. */
export function Emails({ recordId }: { recordId: string }) {
  const { api } = useApp();
  const emails = useResource(() => readAll<SentEmail>(api, '/api/emails', recordId), recordId, {
    pollMs: POLL_MS,
  });
  return (
    <section aria-labelledby="emails-heading">
      <h2 id="emails-heading">Emails</h2>
      <ProblemMessage error={emails.error} />
      {!emails.data && !emails.error && <p class="muted">Reading the emails…</p>}
      {emails.data?.length === 0 && <p class="muted">No emails.</p>}
      {emails.data && emails.data.length > 0 && (
        <div class="table-wrap">
          <table class="record-table">
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">To</th>
                <th scope="col">Kind</th>
                <th scope="col">Sent</th>
              </tr>
            </thead>
            <tbody>
              {emails.data.map((email) => (
                <tr key={email.id}>
                  <th scope="row">{email.subject}</th>
                  <td>{email.to}</td>
                  <td>{email.kind}</td>
                  <td>
                    <When at={email.sentAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
