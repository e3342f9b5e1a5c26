import { availableParallelism } from 'node:os';
import { Algorithm, hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { ConcurrencyLimit } from '../../shared/concurrency-limit';
import { invalidField } from '../../shared/errors';
import { newPasswordProblem } from '../../shared/field-rules';

/**
 * Argon2id at the OWASP Password Storage Cheat Sheet's first recommendation
 * (19 MiB, 2 iterations, 1 lane), as PHC strings. @node-rs/argon2 hashes on libuv's thread pool,
 * never on the event loop; it reads the PHC strings node-argon2 wrote before it (test/passwords.spec.ts).
 */
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * One hash per core at a time. libuv's pool has four threads: on two cores, four 19 MiB hashes at
 * once only take the event loop's CPU (its delay rose past 20 ms in a login burst) and add memory,
 * and they finish no sooner. Requests come through PasswordHashing (password-hashing.ts), which
 * bounds how many may wait here.
 */
const hashing = new ConcurrencyLimit(availableParallelism());

export function hashPassword(password: string): Promise<string> {
  return hashing.run(() => argon2Hash(password, ARGON2_OPTIONS));
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await hashing.run(() => argon2Verify(hash, password));
  } catch {
    return false;
  }
}

/**
 * A hash of a password nobody has, checked when the account does not exist so that a login for an
 * unknown email costs the same time as one with a wrong password.
 */
let decoyHash: Promise<string> | undefined;
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoyHash ??= hashPassword(`decoy-${Math.random()}`);
  await verifyPassword(await decoyHash, password);
  return false;
}

/** A new password the service is about to hash, as inputs' `IsNewPassword` checks it. */
export function assertPasswordStrength(password: string, field = 'password'): void {
  const problem = newPasswordProblem(password);
  if (problem !== undefined) throw invalidField(field, problem);
}
