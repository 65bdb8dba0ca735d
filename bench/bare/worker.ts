import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from './activities';

/**
 * The bare baseline's worker, a process of its own like Pipewright's, with the same (default) worker settings.
 * TEMPORAL_ADDRESS and BARE_TASK_QUEUE say where.
 */
async function main(): Promise<void> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.BARE_TASK_QUEUE ?? 'bare',
    workflowsPath: require.resolve('./workflows'),
    activities,
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.stdout.write('bare worker running\n');
  await worker.run();
  await connection.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
