import type { Logger } from './log';

/**
 * Runs `stop` once on SIGINT or SIGTERM, then exits. A second signal while stopping exits at once.
 * Stop steps run in reverse order of start, so nothing is left running (no orphaned servers).
 */
export function onShutdownSignal(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop().then(
      () => {
        log.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', handle);
  process.once('SIGTERM', handle);
}

/** Collects stop functions and runs them in reverse order, continuing past failures. */
export class StopList {
  private readonly steps: { name: string; stop: () => unknown }[] = [];

  constructor(private readonly log: Logger) {}

  add(name: string, stop: () => unknown): void {
    this.steps.push({ name, stop });
  }

  async stopAll(): Promise<void> {
    for (const step of this.steps.reverse()) {
      const started = Date.now();
      try {
        await step.stop();
        this.log.debug({ step: step.name, ms: Date.now() - started }, 'stopped');
      } catch (error) {
        this.log.error({ err: error, step: step.name }, 'could not stop cleanly');
      }
    }
  }
}
