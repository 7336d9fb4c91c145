import type { Pool } from 'pg';
import { AdvisoryLocks } from './advisory-locks';

/** Advisory-lock namespace of dose capture (the first key of pg_advisory_lock(int, int)). */
const DOSE_SITE_LOCKS = 0x76786473; // 'vxds'

/**
 * Doses drawn at one site run one after another, across every API replica of the node
 * (ADR 0004): a lock per site, see AdvisoryLocks.
 */
export class SiteLocks extends AdvisoryLocks {
  constructor(pool: Pool | null) {
    super(pool, DOSE_SITE_LOCKS);
  }
}
