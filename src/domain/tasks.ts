/** A task an automation created, as `GET /api/tasks` lists it. */
export interface Task {
  id: string;
  recordId: string;
  workflowId: string | null;
  actionId: string | null;
  title: string;
  body: string;
  dueAt: string | null;
  assignee: string | null;
  createdAt: string;
}
