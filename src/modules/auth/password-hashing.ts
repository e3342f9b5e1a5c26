import { ConcurrencyLimit } from '../../shared/concurrency-limit';
import { serviceUnavailable } from '../../shared/errors';
import { hashPassword, verifyAgainstDecoy, verifyPassword } from './passwords';

/**
 * The password hashing of requests (logins, password changes and resets, invitations), at most
 * `maxInFlight` at once, running or waiting for a core (passwords.ts runs one per core). One more
 * is refused at once with 503 and `Retry-After`: a flood of hashing requests then costs neither
 * memory nor an ever longer wait for every login behind it.
 */
export class PasswordHashing {
  private readonly admission: ConcurrencyLimit;

  constructor(maxInFlight: number) {
    // The waiting happens in passwords.ts, in arrival order; here a request is only admitted or not.
    this.admission = new ConcurrencyLimit(maxInFlight, 0);
  }

  hash(password: string): Promise<string> {
    return this.admit(() => hashPassword(password));
  }

  verify(hash: string, password: string): Promise<boolean> {
    return this.admit(() => verifyPassword(hash, password));
  }

  /** For an account without a password: costs what a wrong password costs. */
  verifyAgainstDecoy(password: string): Promise<false> {
    return this.admit(() => verifyAgainstDecoy(password));
  }

  private admit<T>(work: () => Promise<T>): Promise<T> {
    if (this.admission.full) return Promise.reject(serviceUnavailable('too many passwords are being checked, retry shortly', 1));
    return this.admission.run(work);
  }
}
