/** Not built yet: see issue 18. */
export function WorkflowPage({ workflowId }: { workflowId: string; tab?: string }) {
  return (
    <section>
      <h1>{workflowId}</h1>
    </section>
  );
}
