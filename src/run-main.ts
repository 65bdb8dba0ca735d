import { type Config, ConfigError, loadConfig } from './config';

/** Parses configuration once and runs `main`; a configuration error prints its message and exits 2. */
export function runMain(main: (config: Config) => Promise<void>): void {
  const fail = (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(error instanceof ConfigError ? 2 : 1);
  };
  try {
    main(loadConfig()).catch(fail);
  } catch (error) {
    fail(error);
  }
}
