/** Not built yet: see issue 18. */
export function RecordPage({ recordId }: { recordId: string; tab?: string }) {
  return (
    <section>
      <h1>{recordId}</h1>
    </section>
  );
}
