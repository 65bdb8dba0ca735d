import { Router } from 'express';
import {
  deleteEmailTemplate,
  getEmailTemplate,
  insertEmailTemplate,
  listEmailTemplates,
  updateEmailTemplate,
  workflowsUsingTemplate,
} from '../db/email-templates';
import { inTransaction } from '../db/pool';
import { CreateTemplateSchema, Permissions, UpdateTemplateSchema } from '../domain';
import { allow } from './auth';
import type { ApiDeps } from './deps';
import { conflict, notFound } from './problem';
import { parseInput, parsePageOnly, pathId } from './validate';

/** `/api/email-templates`: the built-in transactional templates (editable, not deletable) and custom ones. */
export function createEmailTemplatesRouter({ pool, newId }: ApiDeps): Router {
  const router = Router();

  router.get('/', allow(Permissions.read), async (req, res) => {
    res.json(await listEmailTemplates(pool, parsePageOnly(req)));
  });

  router.get('/:id', allow(Permissions.read), async (req, res) => {
    const id = pathId(req, 'id', 'email template');
    const template = await getEmailTemplate(pool, id);
    if (!template) throw notFound('email template', id);
    res.json(template);
  });

  router.post('/', allow(Permissions.configure), async (req, res) => {
    const input = parseInput(CreateTemplateSchema, req.body, 'body');
    const created = await insertEmailTemplate(pool, { ...input, id: input.id ?? newId('tpl') });
    if (!created) throw conflict(`Email template "${input.id}" exists already. Use another id.`);
    res.status(201).json(created);
  });

  router.put('/:id', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'email template');
    const input = parseInput(UpdateTemplateSchema, req.body, 'body');
    const updated = await updateEmailTemplate(pool, id, input);
    if (!updated) throw notFound('email template', id);
    res.json(updated);
  });

  router.delete('/:id', allow(Permissions.configure), async (req, res) => {
    const id = pathId(req, 'id', 'email template');
    await inTransaction(pool, async (db) => {
      const template = await getEmailTemplate(db, id);
      if (!template) throw notFound('email template', id);
      if (template.builtin) throw conflict(`"${id}" is a built-in template: it can be edited, not deleted.`);
      const users = await workflowsUsingTemplate(db, id);
      if (users.length > 0) {
        throw conflict(
          `Email template "${id}" is used by workflows ${users.join(', ')}. Remove it from their actions first.`,
        );
      }
      await deleteEmailTemplate(db, id);
    });
    res.status(204).end();
  });

  return router;
}
