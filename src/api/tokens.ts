import { Router } from 'express';
import { deleteToken, listTokens, newTokenSecret, upsertToken } from '../db/tokens';
import { CreateTokenSchema, Permissions } from '../domain';
import { allow, type Authenticator } from './auth';
import type { ApiDeps } from './deps';
import { notFound } from './problem';
import { parseInput, parsePageOnly, pathId } from './validate';

/** `/api/tokens` (super_admin only): the secret is shown once, in the 201 answer, and stored as a hash. */
export function createTokensRouter({ pool, newId }: ApiDeps, auth: Pick<Authenticator, 'forget'>): Router {
  const router = Router();
  router.use(allow(Permissions.admin));

  router.post('/', async (req, res) => {
    const input = parseInput(CreateTokenSchema, req.body, 'body');
    const id = newId('tok');
    const token = newTokenSecret();
    await upsertToken(pool, { id, name: input.name, role: input.role, secret: token });
    res.status(201).json({ id, name: input.name, role: input.role, token });
  });

  router.get('/', async (req, res) => {
    res.json(await listTokens(pool, parsePageOnly(req)));
  });

  router.delete('/:id', async (req, res) => {
    const id = pathId(req, 'id', 'token');
    if (!(await deleteToken(pool, id))) throw notFound('token', id);
    auth.forget(id);
    res.status(204).end();
  });

  return router;
}
