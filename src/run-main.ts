import { type Config, ConfigError, type EnvName, loadConfig } from './config';

/**
 * Parses configuration once, over the process's own `defaults`, and runs `main`; a configuration error prints its
 * message and exits 2.
 */
export function runMain(
  main: (config: Config) => Promise<void>,
  defaults: Partial<Record<EnvName, string>> = {},
): void {
  const fail = (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(error instanceof ConfigError ? 2 : 1);
  };
  try {
    main(loadConfig(process.env, defaults)).catch(fail);
  } catch (error) {
    fail(error);
  }
}
