import type { Request } from 'express';
import type { z } from 'zod';
import { decodeCursor, type PageRequest } from '../db/page';
import { IdSchema, PageOnlyQuerySchema } from '../domain';
import { conflict, HttpProblem, zodFields } from './problem';

/** Parses part of a request with a schema; a mismatch is a 400 naming each field and what is wrong. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params',
): z.infer<S> {
  if (where === 'body' && value === undefined) {
    throw new HttpProblem(400, 'Missing body', 'Send a JSON body with Content-Type: application/json.');
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

/** The request's `Idempotency-Key`, if any: 1–200 visible characters. */
export function idempotencyKey(req: Request): string | undefined {
  const key = req.get('idempotency-key');
  if (key !== undefined && !/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw new HttpProblem(400, 'Invalid Idempotency-Key', 'Idempotency-Key must be 1–200 visible ASCII characters.');
  }
  return key;
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
