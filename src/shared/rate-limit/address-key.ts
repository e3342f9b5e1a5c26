import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';

/**
 * The key a client address is counted under. An IPv4 address counts as itself, also when it
 * arrives IPv4-mapped (::ffff:192.0.2.1). An IPv6 address counts as its /64: a subscriber is
 * given at least that much, so hopping between its addresses gains nothing. Anything else (a
 * trusted proxy's garbage) counts as a hash of itself, so a key never outgrows its column.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return `unparsed-${createHash('sha256').update(address).digest('hex').slice(0, 32)}`;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const network = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...network, 0, 0, 0, 0]).toString()}/64`;
}
