import { Router } from 'express';
import { type Permission, Permissions, roleAllows } from '../domain';
import { allow } from './auth';
import type { ApiDeps } from './deps';

const EVERY_PERMISSION = Object.values(Permissions);

/**
 * `GET /api/session`: who the bearer token is and what it may do, for a client (the console) to offer only what the
 * role allows; and where the Temporal UI is, for links to an enrollment's workflow. Any valid token may ask.
 */
export function createSessionRouter({ settings }: ApiDeps): Router {
  const router = Router();
  router.get('/', allow(...EVERY_PERMISSION), (req, res) => {
    const caller = req.caller!;
    const permissions: Permission[] = EVERY_PERMISSION.filter((permission) => roleAllows(caller.role, [permission]));
    res.json({
      name: caller.name,
      role: caller.role,
      permissions,
      temporal: { namespace: settings.temporal.namespace, uiUrl: settings.temporal.uiUrl ?? null },
    });
  });
  return router;
}
