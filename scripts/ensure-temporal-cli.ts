import { resolveTemporalCli } from '../src/temporal/cli';

/** `npm run temporal:build`: finds or builds the Temporal CLI ahead of the first `npm start`. */
resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, say: (line) => console.log(line) }).then(
  (cliPath) => console.log(`Temporal CLI: ${cliPath}`),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
