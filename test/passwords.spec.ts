import { hashPassword, verifyPassword } from '../src/modules/auth/passwords';

/** A hash node-argon2 0.45 wrote for 'pw-correct-123' (19 MiB, t=2, p=1), as databases hold them from before the switch. */
const NODE_ARGON2_HASH = '$argon2id$v=19$m=19456,p=1,t=2$L+8+eXVJ6of3mfLtzjrNBw$0T8xNs2yEML5lFK98H3aC0O551QtFsR0HwwfzKUnixk';

describe('password hashes', () => {
  it('writes Argon2id PHC strings at 19 MiB, 2 iterations, 1 lane, salted per hash', async () => {
    const [first, second] = await Promise.all([hashPassword('correct horse battery'), hashPassword('correct horse battery')]);
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(first).not.toBe(second);
    expect(await verifyPassword(first, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(first, 'correct horse batterY')).toBe(false);
  });

  it('verifies the hashes stored before the switch from node-argon2', async () => {
    expect(await verifyPassword(NODE_ARGON2_HASH, 'pw-correct-123')).toBe(true);
    expect(await verifyPassword(NODE_ARGON2_HASH, 'pw-correct-124')).toBe(false);
  });

  it('treats a malformed stored hash as a mismatch', async () => {
    for (const stored of ['', 'not a hash', '$argon2id$v=19$m=19456,t=2,p=1$short$short', '$2b$10$abcdefghijklmnopqrstuv']) {
      expect(await verifyPassword(stored, 'pw-correct-123')).toBe(false);
    }
  });
});
