/** Not built yet: see issue 18. */
export function BoardPage({ pipelineId }: { pipelineId: string; tab?: string }) {
  return (
    <section>
      <h1>{pipelineId}</h1>
    </section>
  );
}
