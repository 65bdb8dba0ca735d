import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../log';

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's id: the caller's `X-Request-Id` when it is sane, else a new one; echoed in the response. */
    id?: string;
  }
}

const CALLER_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Gives every request an id (`X-Request-Id`) and writes one JSON log line when it finishes. */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const callerId = req.get('x-request-id');
    const id = callerId && CALLER_ID.test(callerId) ? callerId : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      log.info(
        {
          requestId: id,
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          caller: req.caller?.name,
        },
        'request',
      );
    });
    next();
  };
}
