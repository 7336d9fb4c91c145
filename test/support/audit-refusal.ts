import type { ApiHarness } from './api-harness';

/**
 * Runs `body` while the node's database refuses every append to an audit stream (a real
 * failure of the real database, for the access trail only: the ledger keeps working), then
 * lets appends through again whatever `body` did.
 */
export const whileAuditRefused = async <T>(api: ApiHarness, body: () => Promise<T>): Promise<T> => {
  const schema = (api.runtime.store as unknown as { schemaName: string }).schemaName;
  const db = api.runtime.readModels.dataSource;
  await db.query(`
    CREATE OR REPLACE FUNCTION "${schema}".refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.stream_id LIKE 'audit-%' THEN RAISE EXCEPTION 'audit trail unavailable (test)'; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER refuse_audit BEFORE INSERT ON "${schema}".events FOR EACH ROW EXECUTE FUNCTION "${schema}".refuse_audit();`);
  try {
    return await body();
  } finally {
    await db.query(`DROP TRIGGER refuse_audit ON "${schema}".events`);
  }
};
