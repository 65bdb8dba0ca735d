import type { Request } from 'express';
import type { z } from 'zod';
import { decodeCursor, type PageRequest } from '../db/page';
import { IdSchema, Limits, PageOnlyQuerySchema } from '../domain';
import { conflict, formatPath, HttpProblem, zodFields } from './problem';

/** Parses part of a request with a schema; a mismatch is a 400 naming each field and what is wrong. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params',
): z.infer<S> {
  if (where === 'body' && value === undefined) {
    throw new HttpProblem(400, 'Missing body', 'Send a JSON body with Content-Type: application/json.');
  }
  // Before the schema: a schema recursing into input nested thousands deep would run out of stack.
  const problem = findUnusableJson(value);
  if (problem) {
    throw new HttpProblem(400, 'Invalid request', `The request ${where} is invalid; see errors.`, [
      { path: formatPath([where, ...problem.path]), message: problem.message },
    ]);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new HttpProblem(
      400,
      'Invalid request',
      `The request ${where} is invalid; see errors.`,
      zodFields(parsed.error, where),
    );
  }
  return parsed.data;
}

const NUL = /\u0000/;
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL would refuse a string: a NUL anywhere (text, jsonb), an unpaired surrogate in jsonb. */
function unstorable(text: string): string | undefined {
  if (NUL.test(text)) return 'contains a NUL character (\\u0000), which cannot be stored; remove it';
  if (UNPAIRED_SURROGATE.test(text)) return 'contains an unpaired UTF-16 surrogate, which is not valid Unicode';
  return undefined;
}

/**
 * The first reason parsed JSON input cannot be taken as sent, with its path, or undefined: nesting deeper than
 * `Limits.jsonDepth`, or a string (a value or a key) that cannot be stored. Looks no deeper than the limit, so it
 * cannot run out of stack itself.
 */
function findUnusableJson(value: unknown): { path: (string | number)[]; message: string } | undefined {
  const visit = (node: unknown, path: (string | number)[], depth: number): ReturnType<typeof findUnusableJson> => {
    if (typeof node === 'string') {
      const message = unstorable(node);
      return message ? { path, message } : undefined;
    }
    if (node === null || typeof node !== 'object') return undefined;
    if (depth > Limits.jsonDepth) {
      return { path, message: `nests deeper than ${Limits.jsonDepth} levels of arrays and objects` };
    }
    for (const [key, item] of Array.isArray(node) ? node.entries() : Object.entries(node)) {
      const keyMessage = typeof key === 'string' ? unstorable(key) : undefined;
      if (keyMessage) return { path: [...path, key], message: `the key ${keyMessage}` };
      const problem = visit(item, [...path, key], depth + 1);
      if (problem) return problem;
    }
    return undefined;
  };
  return visit(value, [], 1);
}

/** Reads an id from the path; a malformed id cannot exist, so it is a 404 like any unknown id. */
export function pathId(req: Request, name: string, what: string): string {
  const value = req.params[name];
  if (!IdSchema.safeParse(value).success) {
    throw new HttpProblem(404, 'Not found', `${what} "${String(value)}" does not exist.`);
  }
  return value as string;
}

/** `If-Match: 3` or `If-Match: "3"`; absent means no version check. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match)
    throw new HttpProblem(400, 'Invalid If-Match', 'If-Match must be the version you read, e.g. If-Match: 3.');
  return Number(match[1]);
}

/** 409 when the client read version `expected` (If-Match) and the stored one has moved on. */
export function checkVersion(what: string, id: string, current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) {
    throw conflict(`The ${what} "${id}" is at version ${current}, not ${expected}. Read it again and retry.`);
  }
}

/** The page a list request asks for; a cursor this API did not make is a 400. */
export function pageRequest({ limit, cursor }: { limit: number; cursor?: string }): PageRequest {
  if (cursor === undefined) return { limit };
  const after = decodeCursor(cursor);
  if (after === undefined) {
    throw new HttpProblem(400, 'Invalid cursor', 'Pass back the nextCursor of the previous page, unchanged.', [
      { path: 'query.cursor', message: 'not a cursor from this API' },
    ]);
  }
  return { limit, after };
}

/** Parses `?limit=&cursor=` (and nothing else) from a list request without other filters. */
export function parsePageOnly(req: Request): PageRequest {
  return pageRequest(parseInput(PageOnlyQuerySchema, req.query, 'query'));
}
