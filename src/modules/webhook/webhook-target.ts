import { lookup as dnsLookup, promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { invalidField } from '../../shared/errors';
import { webhookUrlShapeProblem } from '../../shared/field-rules';

/**
 * Where a webhook may point. A webhook makes the gateway send requests to an address its tenant
 * chose: unchecked, that address could be the cloud metadata service, the database or an admin
 * port on the private network (server-side request forgery).
 */
export interface TargetRules {
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: lifts every address check and allows plain http (development, tests). */
  allowPrivateTargets: boolean;
}

/** The error code `guardedLookup` calls back with when a name resolves to a non-public address. */
export const TARGET_REFUSED = 'WEBHOOK_TARGET_REFUSED';

/**
 * Ranges that ipaddr.js 1.9.1 still calls `unicast` although no webhook receiver lives there:
 * IPv4-compatible IPv6 (deprecated; `::127.0.0.1` spelled another way), the discard prefix,
 * deprecated site-local IPv6, local-use NAT64 (it translates to private IPv4) and the
 * benchmarking network.
 */
const NOT_PUBLIC_IPV4 = ['198.18.0.0/15'].map((cidr) => ipaddr.IPv4.parseCIDR(cidr));
const NOT_PUBLIC_IPV6 = ['::/96', '100::/64', 'fec0::/10', '64:ff9b:1::/48'].map((cidr) => ipaddr.IPv6.parseCIDR(cidr));

/**
 * Whether `address` is a public unicast address. `process` turns IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`) into the IPv4 address it reaches; every special range (loopback, private,
 * link-local with the 169.254.169.254 metadata service, unique-local, carrier-grade NAT with the
 * 100.100.100.200 metadata service, multicast, 6to4, teredo, reserved...) is refused.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  if (parsed.range() !== 'unicast') return false;
  if (parsed instanceof ipaddr.IPv4) return !NOT_PUBLIC_IPV4.some((range) => parsed.match(range));
  return !NOT_PUBLIC_IPV6.some((range) => parsed.match(range));
}

/** A name is a safe target only when it resolves, and only to public addresses. */
function allPublic(addresses: string[]): boolean {
  return addresses.length > 0 && addresses.every(isPublicAddress);
}

/**
 * The shape checks of a webhook URL, which need no network: they run on every create and update,
 * and again before every delivery (a stored URL may predate a tightened setting). An IP literal is
 * checked here because the connection never resolves it: `guardedLookup` does not see it.
 */
export function checkWebhookUrl(raw: string, rules: TargetRules): URL {
  const problem = webhookUrlProblem(raw, rules);
  if (problem !== undefined) throw invalidField('url', problem);
  return new URL(raw);
}

/** What `checkWebhookUrl` finds wrong with a URL (undefined: nothing). */
export function webhookUrlProblem(raw: string, rules: TargetRules): string | undefined {
  const shapeProblem = webhookUrlShapeProblem(raw, { allowHttp: rules.allowPrivateTargets });
  if (shapeProblem !== undefined) return shapeProblem;
  return rules.allowPrivateTargets ? undefined : hostNameProblem(new URL(raw));
}

function hostNameProblem(url: URL): string | undefined {
  const host = bareHost(url);
  if (isIP(host) && !isPublicAddress(host)) return 'must not point to a private, loopback or link-local address';
  // The name is resolved by the connection anyway; refusing it here gives an immediate, clear error.
  const name = host.replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return 'must not point to localhost';
  return undefined;
}

/** The host as a resolver or `isIP` takes it: an IPv6 literal loses its brackets. */
function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Resolves the URL's host and refuses it when any address is not public, or when it does not
 * resolve: the immediate, clear error of a create or update. It cannot protect a delivery (the
 * name may resolve elsewhere by then: DNS rebinding); `guardedLookup` does.
 */
export async function assertPublicTarget(url: URL, rules: TargetRules): Promise<void> {
  if (rules.allowPrivateTargets) return;
  const host = bareHost(url);
  const addresses = isIP(host) ? [host] : await resolveAll(host);
  if (!allPublic(addresses)) throw invalidField('url', 'resolves to a private, loopback or link-local address');
}

async function resolveAll(host: string): Promise<string[]> {
  try {
    const addresses = await dns.lookup(host, { all: true });
    return addresses.map(({ address }) => address);
  } catch {
    throw invalidField('url', 'has a host name that does not resolve');
  }
}

/**
 * The `lookup` of the delivery's connection: the addresses checked are the addresses connected to,
 * so a name that resolved to a public address at create time and to a private one now is refused.
 * Every address is checked even when one is asked for (`all: false`), since the choice among them
 * is the resolver's and `autoSelectFamily` may try any of them.
 */
export function guardedLookup(rules: TargetRules): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, []);
      if (!rules.allowPrivateTargets && !allPublic(addresses.map(({ address }) => address))) {
        return callback(refused(hostname), []);
      }
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      callback(null, first.address, first.family);
    });
  };
}

function refused(hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${hostname} resolves to a non-public address`), { code: TARGET_REFUSED });
}
