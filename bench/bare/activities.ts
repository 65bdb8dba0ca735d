/** The bare baseline's activity: does nothing, so what is measured is Temporal itself. */
export async function noop(): Promise<void> {}
