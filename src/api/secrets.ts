import { type Request, Router } from 'express';
import { deleteSecret, listSecrets, putSecret } from '../db/secrets';
import { Permissions } from '../domain';
import { MAX_SECRETS, PutSecretSchema, SECRET_NAME } from '../domain/secrets';
import { allow } from './auth';
import type { ApiDeps } from './deps';
import { HttpProblem, unprocessable } from './problem';
import { parseInput } from './validate';

/** The secret's name from the path; `malformed` says what a name that breaks the rule is (400 to store, 404 else). */
function secretName(req: Request, malformed: 'invalid' | 'unknown'): string {
  const name = String(req.params.name);
  if (SECRET_NAME.test(name)) return name;
  if (malformed === 'unknown') throw new HttpProblem(404, 'Not found', `secret "${name}" does not exist.`);
  throw new HttpProblem(400, 'Invalid request', 'The secret name is invalid; see errors.', [
    { path: 'params.name', message: 'a secret name is 1–64 letters, digits, "_", "." or "-"' },
  ]);
}

/**
 * `/api/secrets` (super_admin only): values webhooks use as `{{secrets.<name>}}`. A value goes in and never comes
 * out: no route returns it, and it is stored sealed (`src/db/secrets.ts`).
 */
export function createSecretsRouter({ pool, secretsKey }: ApiDeps): Router {
  const router = Router();
  router.use(allow(Permissions.admin));

  router.put('/:name', async (req, res) => {
    const name = secretName(req, 'invalid');
    const { value } = parseInput(PutSecretSchema, req.body, 'body');
    if (!(await putSecret(pool, name, value, await secretsKey.forSealing()))) {
      throw unprocessable(`${MAX_SECRETS} secrets are stored already; delete one you no longer use first.`, [
        { path: 'params.name', message: `at most ${MAX_SECRETS} secrets may be stored` },
      ]);
    }
    res.status(204).end();
  });

  router.get('/', async (_req, res) => {
    res.json({ items: await listSecrets(pool) });
  });

  router.delete('/:name', async (req, res) => {
    const name = secretName(req, 'unknown');
    if (!(await deleteSecret(pool, name))) {
      throw new HttpProblem(404, 'Not found', `secret "${name}" does not exist. List secrets to find it.`);
    }
    res.status(204).end();
  });

  return router;
}
