import type { LookupAddress, LookupOptions } from 'node:dns';
import { lookup as lookupHost } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent } from 'undici';
import { isPrivateAddress } from '../src/domain/webhook';
import type { WebhookPolicy } from './deps';

/** A connection refused because its host is, or resolves to, an address the policy does not allow. */
export class PrivateTargetError extends Error {
  override name = 'PrivateTargetError';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      host === address
        ? `${host} is a private address; list it in WEBHOOK_ALLOWED_HOSTS to allow it`
        : `${host} resolves to the private address ${address}; list the host in WEBHOOK_ALLOWED_HOSTS to allow it`,
    );
  }
}

/** A host name as compared with the allow-list: no IPv6 brackets, no trailing dot, lower case. */
const bareHost = (name: string) =>
  name
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * Where webhook requests may connect, checked on the address each connection is made to: the dispatcher's lookup
 * resolves the host once per connection and refuses it when any address it resolves to is private, so a name that
 * answers a check with a public address and the connection with a private one (DNS rebinding) gets nowhere. An IP
 * literal is never looked up, so `refuseLiteral` checks it before the request.
 */
export function createTargetGuard(policy: WebhookPolicy) {
  const resolve = policy.resolve ?? ((host: string) => lookupHost(host, { all: true, verbatim: true }));
  const allowed = (host: string) =>
    policy.allowPrivateTargets || policy.allowedHosts.some((name) => bareHost(name) === bareHost(host));

  function lookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
    resolve(hostname).then(
      (resolved) => {
        const addresses = options.family ? resolved.filter(({ family }) => family === options.family) : resolved;
        const internal = allowed(hostname) ? undefined : resolved.find(({ address }) => isPrivateAddress(address));
        if (internal) return callback(new PrivateTargetError(bareHost(hostname), internal.address), []);
        const first = addresses[0];
        if (!first) {
          const notFound: NodeJS.ErrnoException = new Error(`${hostname} has no address`);
          notFound.code = 'ENOTFOUND';
          return callback(notFound, []);
        }
        if (options.all) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  }

  return {
    /** Give this to every webhook request (`dispatcher`); its connections are made through the checked lookup. */
    dispatcher: new Agent({ connect: { lookup } }),
    /** Throws a PrivateTargetError when `url`'s host is an IP literal the policy does not allow. */
    refuseLiteral(url: URL): void {
      const host = bareHost(url.hostname);
      if (isIP(host) !== 0 && !allowed(host) && isPrivateAddress(host)) throw new PrivateTargetError(host, host);
    },
  };
}
