import path from 'node:path';
import express, { Router } from 'express';
import { HttpProblem } from './problem';

/**
 * Where `npm run build` leaves the console (`dist/console`): beside the compiled code, or under `dist/` of the
 * package when the API runs from its TypeScript sources (tests, `tsx`).
 */
export const BUILT_CONSOLE_DIR = path.resolve(
  __dirname,
  __filename.endsWith('.js') ? '../../console' : '../../dist/console',
);

/**
 * `GET /` and its static files: the operator console, built ahead of time (no CDN, nothing generated per request).
 * It talks to the API with the token it is given, like any other client. Until it is built, `/` says how to build it.
 */
export function createConsoleRouter(dir: string): Router {
  const router = Router();
  router.use(express.static(dir, { index: 'index.html', fallthrough: true, maxAge: 0 }));
  // Reached only when the static files have no index.html.
  router.get('/', () => {
    throw new HttpProblem(503, 'Console not built', `The console is not built in ${dir}: run \`npm run build\`.`);
  });
  return router;
}
