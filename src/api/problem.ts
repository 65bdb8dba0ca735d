import type { ErrorRequestHandler } from 'express';
import type { z } from 'zod';
import type { Logger } from '../log';

export interface ProblemField {
  path: string;
  message: string;
}

/** An HTTP error rendered as `application/problem+json`. */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors?: ProblemField[],
  ) {
    super(detail);
  }
}

export const notFound = (what: string, id: string) =>
  new HttpProblem(404, 'Not found', `${what} "${id}" does not exist. Check the id, or list ${what}s to find it.`);

export const conflict = (detail: string) => new HttpProblem(409, 'Conflict', detail);

/** A well-formed request that breaks a rule (422), naming each offending field. */
export const unprocessable = (detail: string, errors: ProblemField[]) =>
  new HttpProblem(422, 'Unprocessable request', detail, errors);

/** Turns zod issues into problem fields, with paths like `actions[0].config.title`. */
export function zodFields(error: z.ZodError, prefix: string): ProblemField[] {
  return error.issues.map((issue) => ({ path: formatPath([prefix, ...issue.path]), message: issue.message }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .filter((part) => part !== '')
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

interface BodyParserError extends Error {
  type?: string;
  status?: number;
}

/** The last middleware: every error leaves as problem+json; only unexpected ones are 500 and logged. */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const problem = toProblem(error);
    if (problem.status >= 500) {
      log.error({ err: error, requestId: req.id, method: req.method, url: req.originalUrl }, 'request failed');
    }
    res
      .status(problem.status)
      .type('application/problem+json')
      .json({
        type: 'about:blank',
        title: problem.title,
        status: problem.status,
        detail: problem.detail,
        ...(problem.errors && { errors: problem.errors }),
      });
  };
}

function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const parserError = error as BodyParserError;
  switch (parserError?.type) {
    case 'entity.parse.failed':
      return new HttpProblem(400, 'Malformed JSON', `The request body is not valid JSON: ${parserError.message}`);
    case 'entity.too.large':
      return new HttpProblem(413, 'Body too large', 'The request body is larger than 1 MiB. Send a smaller body.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, 'Unsupported encoding', 'Send the body as UTF-8 JSON.');
    default:
      if (parserError?.status && parserError.status >= 400 && parserError.status < 500) {
        return new HttpProblem(parserError.status, 'Bad request', parserError.message);
      }
      return new HttpProblem(500, 'Internal error', 'Something went wrong on our side; the request was not applied.');
  }
}
