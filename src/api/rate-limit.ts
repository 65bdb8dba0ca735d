import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { HttpProblem } from './problem';

/** Requests allowed per minute and process (API_RATE_LIMIT, API_AUTH_FAILURE_LIMIT); 0 turns a limit off. */
export interface RateLimits {
  /** Per token, counted after the token was found. */
  perToken: number;
  /** Per client address, of requests answered 401: guessing tokens costs a look-up each, so it is bounded. */
  authFailures: number;
}

const WINDOW_MS = 60_000;

/** 429 as problem+json; the limiter has set `Retry-After` (seconds) already. */
function tooMany(sentence: string): RequestHandler {
  return (_req, res, next) => {
    const retryAfter = res.get('Retry-After') ?? '60';
    next(new HttpProblem(429, 'Too many requests', `${sentence}. Retry after ${retryAfter} s.`));
  };
}

/**
 * The two limits of `/api`: `authFailures` goes before the token check (it counts only requests answered 401),
 * `perToken` after it. Counts are kept in this process's memory: with several API processes behind a balancer,
 * each allows the limit.
 */
export function createRateLimits(limits: RateLimits): { authFailures: RequestHandler; perToken: RequestHandler } {
  return {
    authFailures: rateLimit({
      windowMs: WINDOW_MS,
      limit: limits.authFailures,
      skip: () => limits.authFailures === 0,
      skipSuccessfulRequests: true,
      requestWasSuccessful: (_req, res) => res.statusCode !== 401,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      handler: tooMany(`This address sent more than ${limits.authFailures} requests without a valid token in a minute`),
    }),
    perToken: rateLimit({
      windowMs: WINDOW_MS,
      limit: limits.perToken,
      skip: () => limits.perToken === 0,
      keyGenerator: (req) => `token:${req.caller?.tokenId}`,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      handler: tooMany(`This token sent more than ${limits.perToken} requests in a minute`),
    }),
  };
}
