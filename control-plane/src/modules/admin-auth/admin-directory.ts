import type { AdminRole, Pool, SessionRevocations } from '@kg/shared';
import { findAdminById, type AdminStatus } from '../admins/admin.repository';

/** What an admin may do right now, as the control database says. */
export interface AdminStanding {
  role: AdminRole;
  status: AdminStatus;
}

/**
 * Admins' current role and status for every admin request (docs/security.md, "Sessions and
 * revocation"): a token's role claim is never trusted alone. Cached per admin; an entry is dropped
 * when a change of that admin is announced (demotion, suspension, password change: they also raise
 * the admin's "valid after" moment) and everything after a full reload of the revocation state.
 * `ttlMs` only bounds changes made by hand in SQL (0: read on every request).
 */
export class AdminDirectory {
  private readonly cache = new Map<string, { standing: AdminStanding | null; at: number }>();
  /** When each admin's entry was last dropped (admins are few), and when everything was. */
  private readonly droppedAt = new Map<string, number>();
  private allDroppedAt = 0;

  constructor(
    private readonly db: Pool,
    private readonly ttlMs: number,
    revocations: SessionRevocations,
  ) {
    revocations.onSubjectChange((subject) => {
      const now = Date.now();
      if (!subject) {
        this.cache.clear();
        this.allDroppedAt = now;
      } else if (subject.type === 'admin') {
        this.cache.delete(subject.id);
        this.droppedAt.set(subject.id, now);
      }
    });
  }

  /** The admin's role and status, or null when the account no longer exists. */
  async standing(adminId: string): Promise<AdminStanding | null> {
    const hit = this.cache.get(adminId);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.standing;
    const readAt = Date.now();
    const admin = await findAdminById(this.db, Number(adminId));
    const standing = admin ? { role: admin.role, status: admin.status } : null;
    // A change announced while reading may not be in what was read: use it once, do not cache it.
    if (readAt > (this.droppedAt.get(adminId) ?? 0) && readAt > this.allDroppedAt) this.cache.set(adminId, { standing, at: readAt });
    return standing;
  }
}
