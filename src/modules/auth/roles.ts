import type { AccessKey } from '../access/access.entity';

/** Mirrors the seeded `accesses.rank`: a higher rank includes every right of a lower one. */
export const ACCESS_RANK: Record<AccessKey, number> = { member: 1, manager: 2, admin: 3, super_admin: 4 };
