import { z } from 'zod';
import { renderTemplate, type TemplateRecord } from './template';

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

/**
 * The scheme and authority (userinfo, host, port) of a URL as written, read the way a WHATWG URL parser reads them:
 * leading spaces and controls and every tab or line break dropped, then up to the first `/`, `\`, `?` or `#` after
 * `scheme:` and its slashes. Text without a scheme is returned whole, so a check on it fails closed.
 */
function schemeAndAuthority(url: string): string {
  const cleaned = url.replace(/^[\x00-\x20]+/, '').replace(/[\t\n\r]/g, '');
  return /^[^:/?#\\]*:[/\\]*[^/?#\\]*/.exec(cleaned)?.[0] ?? cleaned;
}

/**
 * Why a webhook url template may not be used, or undefined: a placeholder (any `{` or `}`) in its scheme or
 * authority would let whoever writes the value choose where the request, and the headers an editor wrote for it,
 * are sent. Placeholders belong in the path and the query. Checked when a definition is saved and again before each
 * call.
 */
export function webhookUrlTemplateProblem(url: string): string | undefined {
  if (!/[{}]/.test(schemeAndAuthority(url))) return undefined;
  return 'placeholders may be used only in the path and query of a webhook url, not in its scheme, host, port or credentials; write the host out';
}

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

/** A range of addresses: the groups (octets or 16-bit groups) of its first address and its prefix length in bits. */
type Range = readonly [first: readonly number[], bits: number];

/** True when the first `bits` bits of `groups` (each `width` bits wide) equal those of `first`. */
function inRange(groups: readonly number[], [first, bits]: Range, width: number): boolean {
  for (let index = 0; bits > 0; index += 1, bits -= width) {
    const mask = bits >= width ? (1 << width) - 1 : ((1 << width) - 1) ^ ((1 << (width - bits)) - 1);
    if (((groups[index] ?? 0) & mask) !== ((first[index] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * IPv4 ranges no webhook may reach: every block of the IANA IPv4 Special-Purpose Address Registry that is not
 * globally reachable (192.0.0.0/24 as a whole), the documentation blocks, the retired 6to4 relay anycast, multicast
 * and the reserved 240.0.0.0/4 (which holds the broadcast address).
 */
const NON_PUBLIC_IPV4: readonly Range[] = [
  [[0, 0, 0, 0], 8], // "this network", including the unspecified 0.0.0.0
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local (cloud metadata services live here)
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 0, 2, 0], 24], // documentation (TEST-NET-1)
  [[192, 88, 99, 0], 24], // 6to4 relay anycast, retired
  [[192, 168, 0, 0], 16], // private
  [[198, 18, 0, 0], 15], // benchmarking
  [[198, 51, 100, 0], 24], // documentation (TEST-NET-2)
  [[203, 0, 113, 0], 24], // documentation (TEST-NET-3)
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4], // reserved, and the broadcast address
];

/**
 * IPv6 ranges no webhook may reach (IANA IPv6 Special-Purpose Address Registry, plus multicast and the retired
 * site-local block). The ranges that carry an IPv4 address are not here: `isPrivateAddress` checks the address
 * they carry instead.
 */
const NON_PUBLIC_IPV6: readonly Range[] = [
  [[0, 0, 0, 0, 0, 0, 0, 0], 96], // ::/96: unspecified, loopback and the retired IPv4-compatible addresses
  [[0x64, 0xff9b, 1], 48], // local-use IPv4/IPv6 translation
  [[0x100, 0, 0, 0], 64], // discard-only
  [[0x100, 0, 0, 1], 64], // dummy prefix
  [[0x2001, 0], 23], // IETF protocol assignments (Teredo, ORCHID, benchmarking…)
  [[0x2001, 0xdb8], 32], // documentation
  [[0x3fff, 0], 20], // documentation
  [[0x5f00], 16], // segment routing (SRv6) SIDs
  [[0xfc00], 7], // unique-local
  [[0xfe80], 10], // link-local
  [[0xfec0], 10], // site-local, retired
  [[0xff00], 8], // multicast
];

/** IPv6 ranges that carry an IPv4 address in their last 32 bits, which is checked as IPv4. */
const IPV4_CARRYING_IPV6: readonly Range[] = [
  [[0, 0, 0, 0, 0, 0xffff], 96], // IPv4-mapped
  [[0, 0, 0, 0, 0xffff, 0], 96], // IPv4-translated (SIIT)
  [[0x64, 0xff9b, 0, 0, 0, 0], 96], // NAT64 well-known prefix
];

const isPrivateIPv4 = (octets: readonly number[]) => NON_PUBLIC_IPV4.some((range) => inRange(octets, range, 8));

/** The four octets of the IPv4 address in two 16-bit groups. */
const octetsOf = (high: number, low: number) => [high >> 8, high & 0xff, low >> 8, low & 0xff];

/**
 * True for an address no webhook may reach unless allowed: loopback, private, link-local, unique-local, CGNAT,
 * benchmarking, documentation, IETF-reserved, multicast and other special-purpose ranges (the tables above, from
 * the IANA registries), given an IP literal. An IPv4 address carried inside IPv6 (`::ffff:10.0.0.1`, NAT64, 6to4)
 * is checked as the IPv4 address it is. Text that is not an IP literal also answers true, so a caller that guards
 * a connection fails closed.
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = parseIPv4(ip);
  if (v4) return isPrivateIPv4(v4);
  const v6 = parseIPv6(ip.replace(/^\[(.*)\]$/, '$1'));
  if (!v6) return true;
  if (IPV4_CARRYING_IPV6.some((range) => inRange(v6, range, 16))) return isPrivateIPv4(octetsOf(v6[6]!, v6[7]!));
  if (inRange(v6, [[0x2002], 16], 16)) return isPrivateIPv4(octetsOf(v6[1]!, v6[2]!)); // 6to4
  return NON_PUBLIC_IPV6.some((range) => inRange(v6, range, 16));
}

/** Fills the url's placeholders, percent-encoding each value so that a property cannot change the URL's shape. */
export function renderWebhookUrl(template: string, record: TemplateRecord): string {
  const encode = (value: unknown) =>
    value === undefined || value === null
      ? value
      : encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value));
  return renderTemplate(template, {
    id: encodeURIComponent(record.id),
    stageId: encodeURIComponent(record.stageId),
    properties: Object.fromEntries(Object.entries(record.properties).map(([name, value]) => [name, encode(value)])),
  });
}

/** Shows where a secret is filled in without its value. */
export const secretMark = (name: string): string => `[secrets.${name}]`;
