import { z } from 'zod';

export const Roles = {
  superAdmin: 'super_admin',
  workflowEditor: 'workflow_editor',
  integration: 'integration',
  viewer: 'viewer',
} as const;
export type Role = (typeof Roles)[keyof typeof Roles];
export const RoleSchema = z.enum([Roles.superAdmin, Roles.workflowEditor, Roles.integration, Roles.viewer]);

/** What a route needs; each role grants a set of these. */
export const Permissions = {
  /** Read configuration and results (pipelines, workflows, tasks, emails, timelines). */
  read: 'read',
  /** Create, edit and toggle pipelines and workflows. */
  configure: 'configure',
  /** Create and change records, post events, read records. */
  ingest: 'ingest',
  /** Manage API tokens. */
  admin: 'admin',
} as const;
export type Permission = (typeof Permissions)[keyof typeof Permissions];

const GRANTS: Record<Role, readonly Permission[]> = {
  super_admin: ['read', 'configure', 'ingest', 'admin'],
  workflow_editor: ['read', 'configure'],
  integration: ['ingest'],
  viewer: ['read'],
};

/** True when `role` may do something that needs any one of `needed`. */
export function roleAllows(role: Role, needed: readonly Permission[]): boolean {
  return needed.some((permission) => GRANTS[role].includes(permission));
}
