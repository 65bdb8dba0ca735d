import { Router } from 'express';
import { z } from 'zod';
import {
  ActionInputSchema,
  AddActionSchema,
  CommentInputSchema,
  RetryActionSchema,
  TestRunSchema,
  GOAL_MET_REASON,
  CommentSchema,
  CreatePipelineSchema,
  CreateRecordSchema,
  CreateTemplateSchema,
  CreateTokenSchema,
  CreateWorkflowSchema,
  DeleteActionQuerySchema,
  DisableWorkflowSchema,
  EmailEventSchema,
  EmailsQuerySchema,
  EnrollmentsQuerySchema,
  IdSchema,
  ListWorkflowsQuerySchema,
  ManualEnrollmentSchema,
  PageOnlyQuerySchema,
  PatchActionSchema,
  PatchRecordSchema,
  PatchWorkflowSchema,
  type Permission,
  Permissions,
  PipelineSchema,
  PutTicketStatusAutomationSchema,
  RecordEnrollmentsQuerySchema,
  roleAllows,
  RoleSchema,
  TasksQuerySchema,
  TicketStatusAutomationSchema,
  TimelineQuerySchema,
  UpdateTemplateSchema,
} from '../domain';
import { EnableWorkflowSchema } from '../domain/backfill';
import { RevisionVersionSchema } from '../domain/revisions';
import { WorkflowIssueSchema } from '../domain/issues';
import { PutSecretSchema, SecretNameSchema } from '../domain/secrets';
import { WebhookConfigSchema } from '../domain/webhook';

/**
 * `GET /openapi.json`: the HTTP API as an OpenAPI 3.1 document. Request bodies and query parameters are generated
 * from the same zod schemas the routers parse, so the document cannot drift from what the server accepts; the
 * route table below mirrors the routers (test/unit/openapi.test.ts checks it against the routes `createApp`
 * registers) and each route's `allow(...)` permissions, from which `x-roles` is computed.
 */

type JsonSchema = Record<string, unknown>;
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Request bodies, published under `components.schemas` by these names. */
const REQUEST_SCHEMAS = {
  CreatePipeline: CreatePipelineSchema,
  PutTicketStatusAutomation: PutTicketStatusAutomationSchema,
  CreateRecord: CreateRecordSchema,
  PatchRecord: PatchRecordSchema,
  CreateWorkflow: CreateWorkflowSchema,
  PatchWorkflow: PatchWorkflowSchema,
  EnableWorkflow: EnableWorkflowSchema,
  DisableWorkflow: DisableWorkflowSchema,
  ManualEnrollment: ManualEnrollmentSchema,
  ActionInput: ActionInputSchema,
  AddAction: AddActionSchema,
  PatchAction: PatchActionSchema,
  CommentInput: CommentInputSchema,
  TestRun: TestRunSchema,
  RetryAction: RetryActionSchema,
  CreateEmailTemplate: CreateTemplateSchema,
  UpdateEmailTemplate: UpdateTemplateSchema,
  EmailEvent: EmailEventSchema,
  CreateToken: CreateTokenSchema,
  PutSecret: PutSecretSchema,
  // The webhook `body` is any JSON value, a recursive schema that every action list would otherwise inline.
  JsonValue: WebhookConfigSchema.shape.body.unwrap(),
} satisfies Record<string, z.ZodType>;
type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;

/** Response bodies that have a zod schema, published under `components.schemas` as the server writes them. */
const RESPONSE_SCHEMAS = {
  Pipeline: PipelineSchema,
  Comment: CommentSchema,
  TicketStatusAutomation: TicketStatusAutomationSchema,
  WorkflowIssue: WorkflowIssueSchema,
} satisfies Record<string, z.ZodType>;

const PROBLEM_RESPONSES = {
  400: [
    'BadRequest',
    'The input is invalid (malformed JSON, a field, a query parameter or a header); `errors` names each field.',
  ],
  401: ['Unauthorized', 'The bearer token is missing or not valid.'],
  403: ['Forbidden', 'The token’s role may not call this route (see `x-roles`).'],
  404: ['NotFound', 'No such resource; a malformed id is a 404 too.'],
  409: ['Conflict', 'The id exists already, the resource is still in use, or `If-Match` names an old version.'],
  413: ['PayloadTooLarge', 'The body is larger than 1 MiB.'],
  422: ['UnprocessableContent', 'The request is well-formed but breaks a rule; `errors` names each offending field.'],
} as const;
type ProblemStatus = keyof typeof PROBLEM_RESPONSES;

type HeaderName = 'If-Match' | 'Idempotency-Key';
const HEADER_PARAMETERS: Record<HeaderName, JsonSchema> = {
  'If-Match': {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'The `version` you read (`3` or `"3"`). When the stored version has moved on the answer is 409.',
    schema: { type: 'string', pattern: '^\\s*(?:W/)?"?\\d{1,9}"?\\s*$' },
  },
  'Idempotency-Key': {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description: 'A repeat with the same key gets the first answer instead of acting again.',
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
  },
};

interface Success {
  status: number;
  description: string;
  /** Body schema; absent for an empty answer (204). */
  schema?: JsonSchema;
  contentType?: string;
}

interface RouteSpec {
  method: Method;
  /** OpenAPI form: `/api/records/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  /** What `allow(...)` asks for; absent for the public operational routes. */
  permissions?: readonly Permission[];
  body?: RequestSchemaName;
  /** The route reads `req.body ?? {}`: a body may be left out. */
  bodyOptional?: boolean;
  query?: z.ZodObject;
  headers?: readonly HeaderName[];
  success: Success;
  /** Answers besides the success and the problems every route of its kind can give (see `responsesFor`). */
  problems?: readonly ProblemStatus[];
  otherResponses?: Record<string, JsonSchema>;
}

const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
const anyObject: JsonSchema = { type: 'object' };
/** One page of a list (`?limit=&cursor=`); `nextCursor` is present when more items follow. */
const pageOf = (item: JsonSchema): JsonSchema => ({
  type: 'object',
  properties: {
    items: { type: 'array', items: item },
    nextCursor: { type: 'string', description: 'Pass it back as `cursor` for the next page.' },
  },
  required: ['items'],
});
const enabledAnswer = (enabled: boolean): JsonSchema => ({
  type: 'object',
  properties: { enabled: { type: 'boolean', const: enabled } },
  required: ['enabled'],
});
const readiness: JsonSchema = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['ready', 'not ready'] },
    postgres: { type: 'string' },
    temporal: { type: 'string' },
  },
  required: ['status', 'postgres', 'temporal'],
};
const noContent = (description: string): Success => ({ status: 204, description });

const { read, configure, ingest, admin } = Permissions;

/** Every route the app serves, in the order of docs/api.md. */
const ROUTES: readonly RouteSpec[] = [
  // Operations
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'The process is up',
    tag: 'Operations',
    success: {
      status: 200,
      description: 'Up.',
      schema: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] },
    },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'PostgreSQL and Temporal answer',
    tag: 'Operations',
    success: { status: 200, description: 'Both answer.', schema: readiness },
    otherResponses: {
      503: { description: 'One of them does not answer; each check says why.', content: json(readiness) },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    tag: 'Operations',
    success: {
      status: 200,
      description: 'Metrics in the Prometheus text format.',
      schema: { type: 'string' },
      contentType: 'text/plain; version=0.0.4',
    },
  },
  {
    method: 'get',
    path: '/',
    operationId: 'getConsole',
    summary: 'The operator console (a web page that signs in with an API token)',
    tag: 'Operations',
    success: { status: 200, description: 'The console’s page.', schema: { type: 'string' }, contentType: 'text/html' },
    otherResponses: { 503: { description: 'The console is not built (`npm run build`).' } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This OpenAPI document',
    tag: 'Operations',
    success: { status: 200, description: 'The OpenAPI 3.1 document.', schema: anyObject },
  },

  // Session
  {
    method: 'get',
    path: '/api/session',
    operationId: 'getSession',
    summary: 'Who this token is, what its role may do, and where the Temporal UI is',
    tag: 'Tokens',
    permissions: [read, configure, ingest, admin],
    success: {
      status: 200,
      description: 'The token’s name, role and permissions; the Temporal namespace and UI address (`null` if unknown).',
      schema: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          role: { type: 'string', enum: RoleSchema.options },
          permissions: { type: 'array', items: { type: 'string', enum: Object.values(Permissions) } },
          temporal: {
            type: 'object',
            properties: { namespace: { type: 'string' }, uiUrl: { type: ['string', 'null'] } },
            required: ['namespace', 'uiUrl'],
          },
        },
        required: ['name', 'role', 'permissions', 'temporal'],
      },
    },
  },

  // Tokens
  {
    method: 'post',
    path: '/api/tokens',
    operationId: 'createToken',
    summary: 'Create an API token (the secret is shown once)',
    tag: 'Tokens',
    permissions: [admin],
    body: 'CreateToken',
    success: {
      status: 201,
      description: 'The token, with its secret; only a hash is stored.',
      schema: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          role: { type: 'string', enum: RoleSchema.options },
          token: { type: 'string' },
        },
        required: ['id', 'name', 'role', 'token'],
      },
    },
  },
  {
    method: 'get',
    path: '/api/tokens',
    operationId: 'listTokens',
    summary: 'List API tokens (without secrets)',
    tag: 'Tokens',
    permissions: [admin],
    query: PageOnlyQuerySchema,
    success: { status: 200, description: 'The tokens.', schema: pageOf(anyObject) },
  },
  {
    method: 'delete',
    path: '/api/tokens/{id}',
    operationId: 'deleteToken',
    summary: 'Delete an API token',
    tag: 'Tokens',
    permissions: [admin],
    success: noContent('Deleted; the token no longer authenticates.'),
  },

  // Secrets
  {
    method: 'put',
    path: '/api/secrets/{name}',
    operationId: 'putSecret',
    summary: 'Store or replace a secret for webhooks ({{secrets.<name>}}); its value is never returned',
    tag: 'Secrets',
    permissions: [admin],
    body: 'PutSecret',
    success: noContent('Stored, sealed; webhooks read it when they call.'),
    problems: [422],
  },
  {
    method: 'get',
    path: '/api/secrets',
    operationId: 'listSecrets',
    summary: 'List secrets (names only)',
    tag: 'Secrets',
    permissions: [admin],
    success: {
      status: 200,
      description: 'Every secret, by name, without its value.',
      schema: {
        type: 'object',
        properties: {
          items: {
            type: 'array',
            items: {
              type: 'object',
              properties: { name: { type: 'string' }, updatedAt: { type: 'string', format: 'date-time' } },
              required: ['name', 'updatedAt'],
            },
          },
        },
        required: ['items'],
      },
    },
  },
  {
    method: 'delete',
    path: '/api/secrets/{name}',
    operationId: 'deleteSecret',
    summary: 'Delete a secret',
    tag: 'Secrets',
    permissions: [admin],
    success: noContent('Deleted; a webhook that names it fails, saying which secret is missing.'),
  },

  // Pipelines
  {
    method: 'post',
    path: '/api/pipelines',
    operationId: 'createPipeline',
    summary: 'Create a pipeline with its stages',
    tag: 'Pipelines',
    permissions: [configure],
    body: 'CreatePipeline',
    success: { status: 201, description: 'The pipeline, with server-made ids filled in.', schema: ref('Pipeline') },
    problems: [409],
  },
  {
    method: 'get',
    path: '/api/pipelines',
    operationId: 'listPipelines',
    summary: 'List pipelines',
    tag: 'Pipelines',
    permissions: [read],
    query: PageOnlyQuerySchema,
    success: { status: 200, description: 'The pipelines.', schema: pageOf(ref('Pipeline')) },
  },
  {
    method: 'get',
    path: '/api/pipelines/{id}',
    operationId: 'getPipeline',
    summary: 'Get a pipeline',
    tag: 'Pipelines',
    permissions: [read],
    success: { status: 200, description: 'The pipeline.', schema: ref('Pipeline') },
  },
  {
    method: 'get',
    path: '/api/pipelines/{id}/ticket-status-automation',
    operationId: 'getTicketStatusAutomation',
    summary: "A ticket pipeline's templated status automations",
    tag: 'Pipelines',
    permissions: [read],
    success: { status: 200, description: 'Both templated automations.', schema: ref('TicketStatusAutomation') },
    problems: [422],
  },
  {
    method: 'put',
    path: '/api/pipelines/{id}/ticket-status-automation',
    operationId: 'putTicketStatusAutomation',
    summary: "Turn a ticket pipeline's templated status automations on or off, or choose their statuses",
    tag: 'Pipelines',
    permissions: [configure],
    body: 'PutTicketStatusAutomation',
    success: {
      status: 200,
      description: 'Both templated automations, as changed.',
      schema: ref('TicketStatusAutomation'),
    },
    problems: [422],
  },

  // Records
  {
    method: 'post',
    path: '/api/records',
    operationId: 'createRecord',
    summary: 'Create a record in a stage (a stage entry)',
    tag: 'Records',
    permissions: [ingest],
    body: 'CreateRecord',
    headers: ['Idempotency-Key'],
    success: { status: 201, description: 'The record.', schema: anyObject },
    problems: [409, 422],
  },
  {
    method: 'get',
    path: '/api/records/{id}',
    operationId: 'getRecord',
    summary: 'Get a record',
    tag: 'Records',
    permissions: [read, ingest],
    success: { status: 200, description: 'The record, with its `version` for If-Match.', schema: anyObject },
  },
  {
    method: 'patch',
    path: '/api/records/{id}',
    operationId: 'patchRecord',
    summary: 'Change a record’s stage or properties (a stage change is a stage entry)',
    tag: 'Records',
    permissions: [ingest],
    body: 'PatchRecord',
    headers: ['If-Match', 'Idempotency-Key'],
    success: { status: 200, description: 'The record.', schema: anyObject },
    problems: [409, 422],
  },
  {
    method: 'get',
    path: '/api/records/{id}/timeline',
    operationId: 'getRecordTimeline',
    summary: 'What happened to a record, oldest first (newest first with order=desc)',
    tag: 'Records',
    permissions: [read, ingest],
    query: TimelineQuerySchema,
    success: { status: 200, description: 'The timeline lines.', schema: pageOf(anyObject) },
  },
  {
    method: 'get',
    path: '/api/records/{id}/enrollments',
    operationId: 'listRecordEnrollments',
    summary: 'A record’s enrollments in every workflow',
    tag: 'Records',
    permissions: [read, ingest],
    query: RecordEnrollmentsQuerySchema,
    success: { status: 200, description: 'The enrollments, oldest first.', schema: pageOf(anyObject) },
  },

  // Email events
  {
    method: 'post',
    path: '/api/events/email',
    operationId: 'postEmailEvent',
    summary: 'Log an email sent or received on a ticket, and classify it',
    tag: 'Events',
    permissions: [ingest],
    body: 'EmailEvent',
    headers: ['Idempotency-Key'],
    success: {
      status: 202,
      description: 'Accepted: `classification` is email_sent_to_customer, customer_replied or ignored:<reason>.',
      schema: {
        type: 'object',
        properties: { eventId: { type: 'string' }, classification: { type: 'string' } },
        required: ['eventId', 'classification'],
      },
    },
    problems: [422],
  },

  // Workflows
  {
    method: 'post',
    path: '/api/workflows',
    operationId: 'createWorkflow',
    summary: 'Create a workflow (off until enabled)',
    tag: 'Workflows',
    permissions: [configure],
    body: 'CreateWorkflow',
    success: { status: 201, description: 'The workflow, `enabled: false`.', schema: anyObject },
    problems: [409, 422],
  },
  {
    method: 'get',
    path: '/api/workflows',
    operationId: 'listWorkflows',
    summary: 'List workflows, optionally of one pipeline',
    tag: 'Workflows',
    permissions: [read],
    query: ListWorkflowsQuerySchema,
    success: { status: 200, description: 'The workflows.', schema: pageOf(anyObject) },
  },
  {
    method: 'get',
    path: '/api/workflows/{id}',
    operationId: 'getWorkflow',
    summary: 'Get a workflow with its actions',
    tag: 'Workflows',
    permissions: [read],
    success: {
      status: 200,
      description: 'The workflow, with `enabled`, `version`, `actions` and, once asked for, `backfill` progress.',
      schema: anyObject,
    },
  },
  {
    method: 'patch',
    path: '/api/workflows/{id}',
    operationId: 'patchWorkflow',
    summary: 'Rename a workflow or change its enrollment rules and settings',
    tag: 'Workflows',
    permissions: [configure],
    body: 'PatchWorkflow',
    headers: ['If-Match'],
    success: { status: 200, description: 'The workflow.', schema: anyObject },
    problems: [409, 422],
  },
  {
    method: 'delete',
    path: '/api/workflows/{id}',
    operationId: 'deleteWorkflow',
    summary: 'Delete a workflow (turned off first)',
    tag: 'Workflows',
    permissions: [configure],
    success: noContent('Deleted.'),
    problems: [422],
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/enable',
    operationId: 'enableWorkflow',
    summary: 'Turn a workflow on after checking its whole definition, optionally enrolling the records in its stage',
    tag: 'Workflows',
    permissions: [configure],
    body: 'EnableWorkflow',
    bodyOptional: true,
    success: { status: 200, description: 'On.', schema: enabledAnswer(true) },
    problems: [422],
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/disable',
    operationId: 'disableWorkflow',
    summary: 'Turn a workflow off, optionally cancelling its enrollments (idempotent)',
    tag: 'Workflows',
    permissions: [configure],
    body: 'DisableWorkflow',
    bodyOptional: true,
    success: { status: 200, description: 'Off.', schema: enabledAnswer(false) },
    problems: [422],
  },
  {
    method: 'get',
    path: '/api/workflows/{id}/revisions',
    operationId: 'listWorkflowRevisions',
    summary: 'Each change to a workflow: version, time, author, change',
    tag: 'Workflows',
    permissions: [read],
    query: PageOnlyQuerySchema,
    success: { status: 200, description: 'The revisions.', schema: pageOf(anyObject) },
  },
  {
    method: 'get',
    path: '/api/workflows/{id}/revisions/{version}',
    operationId: 'getWorkflowRevision',
    summary: 'One revision, with the whole workflow as that change left it',
    tag: 'Workflows',
    permissions: [read],
    success: {
      status: 200,
      description:
        '`{ version, at, by, change, workflow }`; `workflow` is null for a revision older than the snapshots.',
      schema: anyObject,
    },
    problems: [400],
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/revisions/{version}/restore',
    operationId: 'restoreWorkflowRevision',
    summary: 'Make a revision’s definition the current one, as a new version (on/off unchanged)',
    tag: 'Workflows',
    permissions: [configure],
    headers: ['If-Match'],
    success: { status: 200, description: 'The workflow, at its new version.', schema: anyObject },
    problems: [409, 422],
  },
  {
    method: 'get',
    path: '/api/workflows/{id}/enrollments',
    operationId: 'listWorkflowEnrollments',
    summary: 'The records enrolled in a workflow',
    tag: 'Workflows',
    permissions: [read],
    query: EnrollmentsQuerySchema,
    success: { status: 200, description: 'The enrollments.', schema: pageOf(anyObject) },
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/enrollments',
    operationId: 'enrollRecord',
    summary: 'Enroll one record by hand (its trigger is not needed; the workflow must be on, the other rules apply)',
    tag: 'Workflows',
    permissions: [configure],
    body: 'ManualEnrollment',
    headers: ['Idempotency-Key'],
    success: {
      status: 202,
      description: 'Enrolled; its enrollment workflow starts once Temporal takes it.',
      schema: {
        type: 'object',
        properties: { enrollmentId: { type: 'string' } },
        required: ['enrollmentId'],
      },
    },
    problems: [422],
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/enrollments/unenroll',
    operationId: 'unenrollRecord',
    summary: "End one record's running or waiting enrollments in the workflow, by hand",
    tag: 'Workflows',
    permissions: [configure],
    body: 'ManualEnrollment',
    headers: ['Idempotency-Key'],
    success: {
      status: 200,
      description: 'The enrollments that end (none when the record has no running or waiting one).',
      schema: {
        type: 'object',
        properties: { unenrolled: { type: 'array', items: { type: 'string' } } },
        required: ['unenrolled'],
      },
    },
    problems: [422],
  },
  {
    method: 'get',
    path: '/api/workflows/{id}/issues',
    operationId: 'listWorkflowIssues',
    summary: 'Failures, skips and records not enrolled, grouped by action, kind and reason',
    tag: 'Workflows',
    permissions: [read],
    success: {
      status: 200,
      description: 'At most 100 groups, the one with the most recent line first.',
      schema: {
        type: 'object',
        properties: { items: { type: 'array', items: ref('WorkflowIssue') } },
        required: ['items'],
      },
    },
  },

  // Workflow actions
  {
    method: 'post',
    path: '/api/workflows/{id}/actions',
    operationId: 'addWorkflowAction',
    summary: 'Insert an action: first (`after: null`), after another, at the end, or into a branch',
    tag: 'Workflow actions',
    permissions: [configure],
    body: 'AddAction',
    headers: ['If-Match'],
    success: { status: 201, description: 'The action, with server-made ids filled in.', schema: ref('ActionInput') },
    problems: [409, 422],
  },
  {
    method: 'patch',
    path: '/api/workflows/{id}/actions/{actionId}',
    operationId: 'patchWorkflowAction',
    summary: 'Replace an action’s config',
    tag: 'Workflow actions',
    permissions: [configure],
    body: 'PatchAction',
    headers: ['If-Match'],
    success: { status: 200, description: 'The action.', schema: ref('ActionInput') },
    problems: [409, 422],
  },
  {
    method: 'delete',
    path: '/api/workflows/{id}/actions/{actionId}',
    operationId: 'deleteWorkflowAction',
    summary: 'Remove an action (`only`) or it and every action after it (`following`)',
    tag: 'Workflow actions',
    permissions: [configure],
    query: DeleteActionQuerySchema,
    headers: ['If-Match'],
    success: noContent('Removed.'),
    problems: [409, 422],
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/test',
    operationId: 'testWorkflow',
    summary: 'What the workflow would do for a record now, writing nothing (works while it is off)',
    tag: 'Workflows',
    permissions: [configure],
    body: 'TestRun',
    success: {
      status: 200,
      description:
        'Whether the record would enroll (and why not), each step it would take, and how the enrollment would end.',
      schema: {
        type: 'object',
        required: ['wouldEnroll', 'enabled', 'steps', 'endedBy'],
        properties: {
          wouldEnroll: { type: 'boolean' },
          reason: { type: 'string' },
          enabled: { type: 'boolean' },
          steps: {
            type: 'array',
            items: {
              type: 'object',
              required: ['actionId', 'type', 'outcome', 'detail'],
              properties: {
                actionId: { type: 'string' },
                type: { type: 'string' },
                outcome: { enum: ['run', 'skip', 'wait'] },
                detail: { type: 'string' },
                wakeAt: { type: 'string', format: 'date-time' },
              },
            },
          },
          endedBy: {
            enum: ['completed', 'goal'],
            description: "'goal': the record would meet settings.goal before the action `stoppedBefore`",
          },
          endReason: { const: GOAL_MET_REASON, description: "with endedBy 'goal': the enrollment's unenrolled reason" },
          stoppedBefore: { type: 'string', description: "with endedBy 'goal': the action it would not take" },
        },
      },
    },
    problems: [422],
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/actions/{actionId}/retry',
    operationId: 'retryAction',
    summary: 'Run a failed action again, with its current config, where it failed (or for the listed records)',
    tag: 'Workflow actions',
    permissions: [configure],
    body: 'RetryAction',
    success: {
      status: 202,
      description: 'How many enrollments get the action run again.',
      schema: { type: 'object', required: ['retried'], properties: { retried: { type: 'integer', minimum: 0 } } },
    },
    problems: [422],
  },
  {
    method: 'post',
    path: '/api/workflows/{id}/actions/{actionId}/comments',
    operationId: 'addActionComment',
    summary: 'Comment on an action',
    tag: 'Workflow actions',
    permissions: [configure],
    body: 'CommentInput',
    headers: ['If-Match'],
    success: { status: 201, description: 'The comment.', schema: ref('Comment') },
    problems: [409, 422],
  },
  {
    method: 'get',
    path: '/api/workflows/{id}/actions/{actionId}/comments',
    operationId: 'listActionComments',
    summary: 'An action’s comments',
    tag: 'Workflow actions',
    permissions: [read],
    query: PageOnlyQuerySchema,
    success: { status: 200, description: 'The comments.', schema: pageOf(ref('Comment')) },
  },

  // Email templates
  {
    method: 'get',
    path: '/api/email-templates',
    operationId: 'listEmailTemplates',
    summary: 'List email templates, built-ins included',
    tag: 'Email templates',
    permissions: [read],
    query: PageOnlyQuerySchema,
    success: { status: 200, description: 'The templates.', schema: pageOf(anyObject) },
  },
  {
    method: 'get',
    path: '/api/email-templates/{id}',
    operationId: 'getEmailTemplate',
    summary: 'Get an email template',
    tag: 'Email templates',
    permissions: [read],
    success: { status: 200, description: 'The template.', schema: anyObject },
  },
  {
    method: 'post',
    path: '/api/email-templates',
    operationId: 'createEmailTemplate',
    summary: 'Create a custom email template (marketing unless `transactional: true`)',
    tag: 'Email templates',
    permissions: [configure],
    body: 'CreateEmailTemplate',
    success: { status: 201, description: 'The template.', schema: anyObject },
    problems: [409],
  },
  {
    method: 'put',
    path: '/api/email-templates/{id}',
    operationId: 'updateEmailTemplate',
    summary: 'Edit an email template, built-ins included',
    tag: 'Email templates',
    permissions: [configure],
    body: 'UpdateEmailTemplate',
    success: { status: 200, description: 'The template.', schema: anyObject },
  },
  {
    method: 'delete',
    path: '/api/email-templates/{id}',
    operationId: 'deleteEmailTemplate',
    summary: 'Delete a custom email template that no workflow uses',
    tag: 'Email templates',
    permissions: [configure],
    success: noContent('Deleted.'),
    problems: [409],
  },

  // Results
  {
    method: 'get',
    path: '/api/tasks',
    operationId: 'listTasks',
    summary: 'Tasks created by workflows',
    tag: 'Results',
    permissions: [read],
    query: TasksQuerySchema,
    success: { status: 200, description: 'The tasks.', schema: pageOf(anyObject) },
  },
  {
    method: 'get',
    path: '/api/emails',
    operationId: 'listEmails',
    summary: 'Emails that left through SMTP',
    tag: 'Results',
    permissions: [read],
    query: EmailsQuerySchema,
    success: { status: 200, description: 'The emails.', schema: pageOf(anyObject) },
  },
];

let memoizedDocument: Record<string, unknown> | undefined;

/**
 * The OpenAPI 3.1 document of the HTTP API. It is pure, so it is built on the first call and the same (frozen)
 * object is returned afterwards.
 */
export function buildOpenApiDocument(): Record<string, unknown> {
  memoizedDocument ??= deepFreeze(assembleDocument());
  return memoizedDocument;
}

/** Serves the OpenAPI document at `GET /openapi.json` (no token needed). */
export function createOpenApiRouter(): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(buildOpenApiDocument());
  });
  return router;
}

function assembleDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) (paths[route.path] ??= {})[route.method] = operationFor(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Pipewright',
      version: '1',
      description:
        'Pipeline automation for CRM records. Every `/api` route needs `Authorization: Bearer <token>`; `x-roles` ' +
        'lists the token roles that may call an operation. Errors are `application/problem+json`.',
    },
    tags: [...new Set(ROUTES.map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token; `npm start` writes the first super_admin token to `.data/admin-token`.',
        },
      },
      schemas: {
        ...componentSchemas(REQUEST_SCHEMAS, 'input'),
        ...componentSchemas(RESPONSE_SCHEMAS, 'output'),
        Problem: PROBLEM_SCHEMA,
      },
      responses: Object.fromEntries(
        Object.values(PROBLEM_RESPONSES).map(([name, description]) => [
          name,
          { description, content: { 'application/problem+json': { schema: ref('Problem') } } },
        ]),
      ),
    },
  };
}

function operationFor(route: RouteSpec): JsonSchema {
  const { permissions } = route;
  const parameters = [
    ...pathParameters(route.path),
    ...(route.query ? queryParameters(route.query) : []),
    ...(route.headers ?? []).map((name) => HEADER_PARAMETERS[name]),
  ];
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    security: permissions ? [{ bearer: [] }] : [],
    ...(permissions && {
      'x-permissions': permissions,
      'x-roles': RoleSchema.options.filter((role) => roleAllows(role, permissions)),
    }),
    ...(parameters.length > 0 && { parameters }),
    ...(route.body && {
      requestBody: { required: !route.bodyOptional, content: json(ref(route.body)) },
    }),
    responses: responsesFor(route),
  };
}

function responsesFor(route: RouteSpec): Record<string, JsonSchema> {
  const { success } = route;
  const problems = new Set<ProblemStatus>(route.problems);
  if (route.body || route.query || route.headers) problems.add(400);
  if (route.body) problems.add(413);
  if (route.path.includes('{')) problems.add(404);
  if (route.permissions) {
    problems.add(401);
    problems.add(403);
  }
  const responses: Record<string, JsonSchema> = {
    [success.status]: {
      description: success.description,
      ...(success.schema && { content: { [success.contentType ?? 'application/json']: { schema: success.schema } } }),
    },
    ...route.otherResponses,
  };
  for (const status of [...problems].sort((a, b) => a - b)) {
    responses[status] = { $ref: `#/components/responses/${PROBLEM_RESPONSES[status][0]}` };
  }
  return responses;
}

function json(schema: JsonSchema): JsonSchema {
  return { 'application/json': { schema } };
}

/** Path parameters that are not ids, with their own schema and description. */
const NAMED_PATH_PARAMETERS: Record<string, { schema: z.ZodType; description: string }> = {
  name: { schema: SecretNameSchema, description: 'The secret name.' },
  version: { schema: RevisionVersionSchema, description: 'The workflow version the revision made.' },
};

/** `{id}` in `/api/records/{id}` is "The record id"; `{actionId}` is "The action id". */
function pathParameters(path: string): JsonSchema[] {
  const idSchema = stripMeta(z.toJSONSchema(IdSchema, { io: 'input', unrepresentable: 'any' }));
  return [...path.matchAll(/\/([^/{]+)\/\{(\w+)\}/g)].map(([, collection, name]) => {
    const named = NAMED_PATH_PARAMETERS[name!];
    if (named) {
      const schema = stripMeta(z.toJSONSchema(named.schema, { io: 'input', unrepresentable: 'any' }));
      return { name, in: 'path', required: true, description: named.description, schema };
    }
    const noun = name === 'id' ? collection!.replace(/s$/, '').replace(/-/g, ' ') : name!.replace(/Id$/, '');
    return { name, in: 'path', required: true, description: `The ${noun} id.`, schema: idSchema };
  });
}

function queryParameters(schema: z.ZodObject): JsonSchema[] {
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(generated.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: generated.required?.includes(name) ?? false,
    schema: property,
  }));
}

/**
 * JSON Schemas of `schemas`, named by their keys, with references between them as `#/components/schemas/<name>`.
 * Zod puts a schema it meets more than once (or a recursive one) that has no name into `$defs`; those are
 * lifted into components of their own, since `#/$defs/…` would resolve against the OpenAPI document root.
 */
function componentSchemas(schemas: Record<string, z.ZodType>, io: 'input' | 'output'): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const generated = z.toJSONSchema(registry, {
    io,
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas as Record<string, JsonSchema>;

  const liftedName = (owner: string, def: string) => `${owner === '__shared' ? 'Shared' : owner}_${def}`;
  const components: Record<string, JsonSchema> = {};
  for (const [owner, schema] of Object.entries(generated)) {
    const lifted = rewriteRefs(stripMeta(schema), (target) => {
      const elsewhere = /^#\/components\/schemas\/([^#]+)#\/\$defs\/(.+)$/.exec(target);
      if (elsewhere) return ref(liftedName(elsewhere[1]!, elsewhere[2]!)).$ref as string;
      const local = /^#\/\$defs\/(.+)$/.exec(target);
      return local ? (ref(liftedName(owner, local[1]!)).$ref as string) : target;
    });
    const { $defs, ...rest } = lifted as JsonSchema & { $defs?: Record<string, JsonSchema> };
    if (owner !== '__shared') components[owner] = rest;
    for (const [def, body] of Object.entries($defs ?? {})) components[liftedName(owner, def)] = body;
  }
  return components;
}

function stripMeta(schema: JsonSchema): JsonSchema {
  return Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema' && key !== '$id'));
}

function rewriteRefs(value: unknown, rewrite: (target: string) => string): JsonSchema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, child]) => [
        key,
        key === '$ref' && typeof child === 'string' ? rewrite(child) : walk(child),
      ]),
    );
  };
  return walk(value) as JsonSchema;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const PROBLEM_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'An RFC 9457 problem.',
  properties: {
    type: { type: 'string', description: 'Always `about:blank`: `status` and `title` say what went wrong.' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string', description: 'What happened and what to do about it.' },
    errors: {
      type: 'array',
      description: 'Each offending field, e.g. `body.stages[0].label`.',
      items: {
        type: 'object',
        properties: { path: { type: 'string' }, message: { type: 'string' } },
        required: ['path', 'message'],
      },
    },
  },
  required: ['type', 'title', 'status', 'detail'],
};
