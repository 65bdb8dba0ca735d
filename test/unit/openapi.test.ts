import express from 'express';
import request from 'supertest';
import { createApp, type ApiDeps } from '../../src/api/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { buildOpenApiDocument, createOpenApiRouter } from '../../src/api/openapi';

interface Operation {
  operationId: string;
  security: Record<string, string[]>[];
  'x-roles'?: string[];
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, unknown>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme: string }>;
    schemas: Record<string, Schema>;
  };
}
interface Schema {
  $ref?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
  const?: unknown;
}

/** What Express keeps of each `use`/`get`/…: a route, or a mounted router with its own stack. */
interface Layer {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

const doc = buildOpenApiDocument() as unknown as Document;
const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ method, path, operation })),
);
const documented = new Set(operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`));

/** `METHOD /path/{param}` for every route in an Express router stack, mounted routers included. */
function routesOf(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = `${prefix}${layer.route.path}`.replace(/(.)\/$/, '$1').replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).map((method) => `${method.toUpperCase()} ${path}`);
    }
    if (layer.handle?.stack) {
      const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      return routesOf(layer.handle.stack, prefix + mount);
    }
    return [];
  });
}

/** The routes `createApp` registers. Building the app uses only its logger and settings; the rest is read per request. */
const appRoutes = routesOf(
  (
    createApp({ log: createLogger('silent'), settings: loadConfig({}).api } as ApiDeps).router as unknown as {
      stack: Layer[];
    }
  ).stack,
);

function resolve(pointer: string): unknown {
  expect(pointer.startsWith('#/')).toBe(true);
  return pointer
    .slice(2)
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
}

function schemaAt(name: string): Schema {
  const schema = doc.components.schemas[name];
  expect(schema).toBeDefined();
  return schema!;
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1.0 for Pipewright, with an HTTP bearer scheme', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Pipewright', version: '1' });
    expect(doc.components.securitySchemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  });

  it('documents every route the app registers', () => {
    expect(appRoutes.length).toBeGreaterThan(30);
    expect(appRoutes.filter((route) => !documented.has(route))).toEqual([]);
  });

  it('documents no /api route the app does not serve', () => {
    const served = new Set(appRoutes);
    const phantom = [...documented].filter((route) => route.includes(' /api/') && !served.has(route));
    expect(phantom).toEqual([]);
  });

  it('documents the operational routes, the OpenAPI route included, without auth', () => {
    const openApiRoutes = routesOf((createOpenApiRouter() as unknown as { stack: Layer[] }).stack);
    expect(openApiRoutes).toEqual(['GET /openapi.json']);
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect(doc.paths[path]?.get?.security).toEqual([]);
    }
  });

  it('puts bearer security, x-roles, 401 and 403 on every /api operation', () => {
    const apiOperations = operations.filter(({ path }) => path.startsWith('/api/'));
    expect(apiOperations.length).toBe(appRoutes.filter((route) => route.includes(' /api/')).length);
    for (const { method, path, operation } of apiOperations) {
      const where = `${method} ${path}`;
      expect({ where, security: operation.security }).toEqual({ where, security: [{ bearer: [] }] });
      expect({ where, roles: operation['x-roles'] }).toEqual({ where, roles: expect.arrayContaining(['super_admin']) });
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
  });

  it('computes x-roles from the permissions each router asks for', () => {
    expect(doc.paths['/api/tokens']?.post?.['x-roles']).toEqual(['super_admin']);
    expect(doc.paths['/api/workflows']?.post?.['x-roles']).toEqual(['super_admin', 'workflow_editor']);
    expect(doc.paths['/api/records']?.post?.['x-roles']).toEqual(['super_admin', 'integration']);
    expect(doc.paths['/api/records/{id}']?.get?.['x-roles']).toEqual([
      'super_admin',
      'workflow_editor',
      'integration',
      'viewer',
    ]);
    expect(doc.paths['/api/tasks']?.get?.['x-roles']).toEqual(['super_admin', 'workflow_editor', 'viewer']);
  });

  it('gives errors as application/problem+json with the Problem schema', () => {
    const problem = schemaAt('Problem');
    expect(problem.required).toEqual(['type', 'title', 'status', 'detail']);
    expect(problem.properties?.errors?.items?.required).toEqual(['path', 'message']);
    expect(resolve('#/components/responses/NotFound')).toEqual({
      description: expect.any(String),
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
    expect(Object.keys(doc.paths['/api/records']!.post!.responses)).toEqual(
      expect.arrayContaining(['201', '400', '409', '413', '422']),
    );
    expect(Object.keys(doc.paths['/api/workflows/{id}']!.delete!.responses)).toEqual(
      expect.arrayContaining(['204', '404']),
    );
  });

  it('refers request bodies to the router schemas', () => {
    const bodyOf = (path: string, method: string) =>
      doc.paths[path]?.[method]?.requestBody?.content['application/json']?.schema.$ref;
    expect(bodyOf('/api/pipelines', 'post')).toBe('#/components/schemas/CreatePipeline');
    expect(bodyOf('/api/records', 'post')).toBe('#/components/schemas/CreateRecord');
    expect(bodyOf('/api/records/{id}', 'patch')).toBe('#/components/schemas/PatchRecord');
    expect(bodyOf('/api/workflows', 'post')).toBe('#/components/schemas/CreateWorkflow');
    expect(bodyOf('/api/workflows/{id}', 'patch')).toBe('#/components/schemas/PatchWorkflow');
    expect(bodyOf('/api/workflows/{id}/disable', 'post')).toBe('#/components/schemas/DisableWorkflow');
    expect(bodyOf('/api/events/email', 'post')).toBe('#/components/schemas/EmailEvent');
  });

  it('documents paging and filters as query parameters', () => {
    const queryOf = (path: string) =>
      (doc.paths[path]?.get as { parameters?: { name: string; in: string }[] } | undefined)?.parameters
        ?.filter((parameter) => parameter.in === 'query')
        .map((parameter) => parameter.name);
    expect(queryOf('/api/pipelines')).toEqual(['limit', 'cursor']);
    expect(queryOf('/api/tasks')).toEqual(['limit', 'cursor', 'recordId']);
    expect(queryOf('/api/workflows/{id}/enrollments')).toEqual(['limit', 'cursor', 'recordId', 'status']);
  });

  it('requires pipelineId and stageId to create a record', () => {
    expect(schemaAt('CreateRecord').required).toEqual(['pipelineId', 'stageId']);
  });

  it('lets a workflow hold every action type, nested lists referring back to the action schema', () => {
    const items = schemaAt('CreateWorkflow').properties?.actions?.items;
    expect(items).toEqual({ $ref: '#/components/schemas/ActionInput' });
    const variants = (resolve(items!.$ref!) as Schema).oneOf ?? [];
    expect(variants.map((variant) => variant.properties?.type?.const).sort()).toEqual(
      [
        'create_task',
        'send_internal_notification',
        'send_email',
        'set_property',
        'set_stage',
        'webhook',
        'delay',
        'branch_if',
        'branch_value',
        'branch_random',
      ].sort(),
    );
    const branchIf = variants.find((variant) => variant.properties?.type?.const === 'branch_if');
    expect(branchIf?.properties?.config?.properties?.then?.items).toEqual({ $ref: '#/components/schemas/ActionInput' });
  });

  it('serialises to JSON, every $ref resolving inside the document', () => {
    const text = JSON.stringify(doc);
    const refs = [...text.matchAll(/"\$ref":"([^"]+)"/g)].map((match) => match[1]!);
    expect(refs.length).toBeGreaterThan(50);
    expect([...new Set(refs)].filter((pointer) => resolve(pointer) === undefined)).toEqual([]);
    expect(text).not.toContain('$defs');
  });

  it('gives every operation a unique operationId and a summary', () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations.every(({ operation }) => typeof (operation as { summary?: unknown }).summary === 'string')).toBe(
      true,
    );
  });

  it('is built once', () => {
    expect(buildOpenApiDocument()).toBe(buildOpenApiDocument());
  });

  it('is served at GET /openapi.json', async () => {
    const app = express().use(createOpenApiRouter());
    const response = await request(app).get('/openapi.json').expect(200).expect('content-type', /json/);
    expect(response.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
