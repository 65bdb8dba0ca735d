import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '10 seconds' });

/** The bare baseline: one workflow and one no-op activity per event. */
export async function bareWorkflow(): Promise<void> {
  await noop();
}
