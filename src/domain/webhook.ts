import { z } from 'zod';

/**
 * The `webhook` action: its config schema and the pure rules for what a response means, when to try again, and
 * which targets are off limits; nothing here touches the network. Its failure types, `WebhookErrors`, are in
 * `errors.ts`, which workflow code imports: this module builds zod schemas, so workflow code must not import it.
 */

/** RFC 9110 `token`: the characters a header name may use. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** No control characters other than horizontal tab: a value cannot smuggle in a second header. */
const HEADER_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;

/**
 * Headers the engine sets itself (`Host`, `Content-Length`, `Idempotency-Key`) or that Node's fetch refuses at
 * send time, which would otherwise look like an unreachable target and be retried for days.
 */
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'idempotency-key',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'expect',
]);

const WebhookHeadersSchema = z
  .record(
    z.string().regex(HEADER_NAME, "a header name may use letters, digits and !#$%&'*+-.^_`|~ only"),
    z.string().max(4_000).regex(HEADER_VALUE, 'a header value may not contain line breaks or control characters'),
  )
  .superRefine((headers, ctx) => {
    const names = Object.keys(headers);
    if (names.length > 20) ctx.addIssue({ code: 'custom', message: 'send at most 20 headers' });
    for (const name of names) {
      if (RESERVED_HEADERS.has(name.toLowerCase())) {
        ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is set by Pipewright; remove it` });
      }
    }
  });

/**
 * `webhook` config. `url` and every string inside `body` accept `{{record…}}` placeholders; values placed in the
 * url are percent-encoded.
 */
export const WebhookConfigSchema = z
  .object({
    url: z
      .url({ protocol: /^https?$/, error: 'use an http:// or https:// URL' })
      .max(2_000, 'keep the URL within 2000 characters')
      .refine((url) => !/^https?:\/\/[^/?#]*@/i.test(url), 'put credentials in a header, not in the URL'),
    method: z.enum(['POST', 'PUT']).default('POST'),
    headers: WebhookHeadersSchema.optional(),
    body: z.json().optional(),
  })
  .strict();
export type WebhookConfig = z.infer<typeof WebhookConfigSchema>;

/** How to treat a response status: ok (2xx/3xx), retry (5xx, 408, 429), or fail now (any other 4xx). */
export function classifyWebhookStatus(status: number): 'ok' | 'retry' | 'fail' {
  if (status >= 200 && status < 400) return 'ok';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'fail';
}

const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1_000;
/** All three HTTP-date forms (IMF-fixdate, RFC 850, asctime) start with a day name. */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /;

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date; undefined if absent/invalid; never negative; capped at 24 h. */
export function parseRetryAfter(header: string | undefined, now: Date): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1_000;
  else if (HTTP_DATE.test(value)) {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    ms = at - now.getTime();
  } else return undefined;
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** The four octets of a dotted-quad IPv4 address, or undefined. */
function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part))) return undefined;
  const octets = parts.map(Number);
  return octets.every((octet) => octet <= 255) ? octets : undefined;
}

/** The eight 16-bit groups of an IPv6 address (zone id ignored, embedded IPv4 allowed), or undefined. */
function parseIPv6(text: string): number[] | undefined {
  let address = text.replace(/%.*$/, '');
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const octets = parseIPv4(dotted[2]!);
    if (!octets) return undefined;
    tail.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
    address = dotted[1]!.endsWith('::') ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined) => (half ? half.split(':') : []);
  const head = groups(halves[0]);
  const rest = groups(halves[1]);
  if (![...head, ...rest].every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  const given = head.length + rest.length + tail.length;
  const missing = 8 - given;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const toNumber = (group: string) => parseInt(group, 16);
  return [...head.map(toNumber), ...new Array<number>(missing).fill(0), ...rest.map(toNumber), ...tail];
}

function isPrivateIPv4([a, b]: number[]): boolean {
  if (a === undefined || b === undefined) return true;
  return (
    a === 0 || // "this network", including the unspecified 0.0.0.0
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224 // multicast, reserved and broadcast
  );
}

/**
 * True for loopback, private (10/8, 172.16/12, 192.168/16), link-local (169.254/16, fe80::/10), unique-local
 * (fc00::/7), unspecified and CGNAT (100.64/10) addresses, given an IP literal. Multicast and reserved ranges count
 * too, and so does an IPv4 address carried inside IPv6 (`::ffff:10.0.0.1`, NAT64, 6to4). Text that is not an IP
 * literal also answers true, so a caller that guards a connection fails closed.
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = parseIPv4(ip);
  if (v4) return isPrivateIPv4(v4);
  const v6 = parseIPv6(ip.replace(/^\[(.*)\]$/, '$1'));
  if (!v6) return true;
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = v6;
  const embedded = (high: number, low: number) => [high >> 8, high & 0xff, low >> 8, low & 0xff];
  const leadingZeros = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // ::/96 (unspecified, loopback, IPv4-compatible) and ::ffff:0:0/96 (IPv4-mapped) carry an IPv4 address.
  if (leadingZeros && (g5 === 0 || g5 === 0xffff)) return isPrivateIPv4(embedded(g6, g7));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return isPrivateIPv4(embedded(g6, g7));
  }
  if (g0 === 0x2002) return isPrivateIPv4(embedded(g1, g2));
  return (
    (g0 & 0xfe00) === 0xfc00 || // unique-local fc00::/7
    (g0 & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (g0 & 0xffc0) === 0xfec0 || // deprecated site-local fec0::/10
    (g0 & 0xff00) === 0xff00 // multicast
  );
}
