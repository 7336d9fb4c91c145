/**
 * Guard tables of the PostgreSQL event store and the function that applies guard
 * operations (libs/event-store/src/guards/guard-ops.ts) inside an append's transaction.
 *
 * - guard_stock: per site and batch, doses available and quarantined, and the hold
 *   (`recall` or `suspension`) a batch is under. A dose takes one with a conditional
 *   `UPDATE … WHERE available >= n AND hold IS NULL`: the row lock orders it against
 *   other doses at the site and against a recall, which updates the same rows.
 * - guard_unit: per coded unit, its batch, holder, state and doses drawn.
 * - guard_hold: the recalls and suspensions in force, per batch (a lift deletes them).
 * - guard_shipment / guard_pending_receipt: dispatches known, receipts waiting for theirs.
 * - guard_meta: the version of the rule the rows were built with.
 *
 * A violation raises SQLSTATE VXG01 with the refusal code as message and the batch or
 * unit as detail; the adapter turns it into a GuardViolationError.
 */
export const GUARD_VIOLATION_SQLSTATE = 'VXG01';

export const GUARD_TABLES = ['guard_stock', 'guard_unit', 'guard_hold', 'guard_shipment', 'guard_pending_receipt'] as const;

export const guardSchemaSql = (schema: string): string => `
CREATE TABLE IF NOT EXISTS ${schema}.guard_stock (
  site text NOT NULL,
  batch_id text NOT NULL,
  available bigint NOT NULL DEFAULT 0,
  quarantined bigint NOT NULL DEFAULT 0,
  hold text,
  PRIMARY KEY (site, batch_id)
);
CREATE INDEX IF NOT EXISTS guard_stock_batch ON ${schema}.guard_stock (batch_id);
CREATE TABLE IF NOT EXISTS ${schema}.guard_unit (
  code text PRIMARY KEY,
  batch_id text NOT NULL,
  holder text,
  state text NOT NULL,
  drawn int NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS ${schema}.guard_hold (
  recall_id text NOT NULL,
  batch_id text NOT NULL,
  kind text NOT NULL,
  PRIMARY KEY (recall_id, batch_id)
);
CREATE INDEX IF NOT EXISTS guard_hold_batch ON ${schema}.guard_hold (batch_id);
CREATE TABLE IF NOT EXISTS ${schema}.guard_shipment (shipment_id text PRIMARY KEY);
CREATE TABLE IF NOT EXISTS ${schema}.guard_pending_receipt (
  shipment_id text NOT NULL,
  site text NOT NULL,
  lines jsonb NOT NULL,
  PRIMARY KEY (shipment_id, site)
);
CREATE TABLE IF NOT EXISTS ${schema}.guard_meta (
  id int PRIMARY KEY CHECK (id = 1),
  rules_version int NOT NULL
);

-- The strongest hold on a batch now: a recall over a suspension, none when nothing holds it.
CREATE OR REPLACE FUNCTION ${schema}.guard_hold_of(p_batch text) RETURNS text LANGUAGE sql STABLE AS $fn$
  SELECT CASE WHEN bool_or(kind = 'recall') THEN 'recall' WHEN count(*) > 0 THEN 'suspension' END
    FROM ${schema}.guard_hold WHERE batch_id = p_batch
$fn$;

CREATE OR REPLACE FUNCTION ${schema}.guard_add_stock(p_site text, p_batch text, p_available bigint, p_quarantined bigint)
RETURNS void LANGUAGE sql AS $fn$
  INSERT INTO ${schema}.guard_stock AS s (site, batch_id, available, quarantined, hold)
  VALUES (p_site, p_batch, p_available, p_quarantined, ${schema}.guard_hold_of(p_batch))
  ON CONFLICT (site, batch_id) DO UPDATE
    SET available = s.available + EXCLUDED.available, quarantined = s.quarantined + EXCLUDED.quarantined
$fn$;

-- Applies guard operations in order. p_enforce NULL: keep the rows only (imports, rebuild);
-- otherwise takes and draws are checked, with p_enforce->>'dosesPerUnit' doses per coded unit.
CREATE OR REPLACE FUNCTION ${schema}.guards_apply(p_ops jsonb, p_enforce jsonb) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  op jsonb;
  line jsonb;
  pending record;
  v_n bigint;
  v_hold text;
  v_unit record;
BEGIN
  FOR op IN SELECT value FROM jsonb_array_elements(coalesce(p_ops, '[]'::jsonb)) LOOP
    CASE op->>'k'
    WHEN 'stock' THEN
      v_n := (op->>'available')::bigint;
      IF p_enforce IS NOT NULL AND v_n < 0 THEN
        UPDATE ${schema}.guard_stock SET available = available + v_n
         WHERE site = op->>'site' AND batch_id = op->>'batch' AND available + v_n >= 0 AND hold IS NULL;
        IF NOT FOUND THEN
          SELECT hold INTO v_hold FROM ${schema}.guard_stock WHERE site = op->>'site' AND batch_id = op->>'batch';
          IF v_hold = 'recall' THEN
            RAISE EXCEPTION USING ERRCODE = '${GUARD_VIOLATION_SQLSTATE}', MESSAGE = 'BATCH_RECALLED', DETAIL = op->>'batch';
          ELSIF v_hold = 'suspension' THEN
            RAISE EXCEPTION USING ERRCODE = '${GUARD_VIOLATION_SQLSTATE}', MESSAGE = 'BATCH_SUSPENDED', DETAIL = op->>'batch';
          END IF;
          RAISE EXCEPTION USING ERRCODE = '${GUARD_VIOLATION_SQLSTATE}', MESSAGE = 'INSUFFICIENT_STOCK', DETAIL = op->>'batch';
        END IF;
        IF coalesce((op->>'quarantined')::bigint, 0) <> 0 THEN
          UPDATE ${schema}.guard_stock SET quarantined = quarantined + (op->>'quarantined')::bigint
           WHERE site = op->>'site' AND batch_id = op->>'batch';
        END IF;
      ELSE
        PERFORM ${schema}.guard_add_stock(op->>'site', op->>'batch', v_n, coalesce((op->>'quarantined')::bigint, 0));
      END IF;
    WHEN 'draw' THEN
      v_n := (op->>'n')::bigint;
      IF p_enforce IS NOT NULL AND v_n > 0 THEN
        UPDATE ${schema}.guard_unit SET drawn = drawn + v_n
         WHERE code = op->>'code' AND state = 'in_stock' AND holder IN (op->>'site', op->>'org')
           AND drawn + v_n <= coalesce((p_enforce->>'dosesPerUnit')::int, 1);
        IF NOT FOUND THEN
          SELECT holder, state, drawn INTO v_unit FROM ${schema}.guard_unit WHERE code = op->>'code';
          -- Codes of products that are not serialised are not registered: nothing to guard.
          IF FOUND THEN
            IF v_unit.state <> 'in_stock' OR v_unit.holder IS DISTINCT FROM op->>'site' AND v_unit.holder IS DISTINCT FROM op->>'org' THEN
              RAISE EXCEPTION USING ERRCODE = '${GUARD_VIOLATION_SQLSTATE}', MESSAGE = 'TRACE_CODE_NOT_ON_HAND', DETAIL = op->>'code';
            END IF;
            RAISE EXCEPTION USING ERRCODE = '${GUARD_VIOLATION_SQLSTATE}', MESSAGE = 'TRACE_CODE_USED', DETAIL = op->>'code';
          END IF;
        END IF;
      ELSE
        UPDATE ${schema}.guard_unit SET drawn = drawn + v_n WHERE code = op->>'code';
      END IF;
    WHEN 'units' THEN
      IF (op->>'create')::boolean THEN
        INSERT INTO ${schema}.guard_unit (code, batch_id, holder, state)
        SELECT c, op->>'batch', op->>'holder', op->>'state' FROM jsonb_array_elements_text(op->'codes') AS c
        ON CONFLICT (code) DO NOTHING;
      ELSE
        UPDATE ${schema}.guard_unit SET holder = op->>'holder', state = op->>'state'
         WHERE code IN (SELECT jsonb_array_elements_text(op->'codes'));
      END IF;
    WHEN 'hold' THEN
      INSERT INTO ${schema}.guard_hold (recall_id, batch_id, kind)
      SELECT op->>'recall', b, op->>'kind' FROM jsonb_array_elements_text(op->'batches') AS b
      ON CONFLICT DO NOTHING;
      UPDATE ${schema}.guard_stock s SET hold = ${schema}.guard_hold_of(s.batch_id)
       WHERE s.batch_id IN (SELECT jsonb_array_elements_text(op->'batches'));
    WHEN 'lift' THEN
      DELETE FROM ${schema}.guard_hold
       WHERE recall_id = op->>'recall' AND batch_id IN (SELECT jsonb_array_elements_text(op->'batches'));
      UPDATE ${schema}.guard_stock s SET hold = ${schema}.guard_hold_of(s.batch_id)
       WHERE s.batch_id IN (SELECT jsonb_array_elements_text(op->'batches'));
    WHEN 'dispatched' THEN
      INSERT INTO ${schema}.guard_shipment (shipment_id) VALUES (op->>'shipment') ON CONFLICT DO NOTHING;
      FOR pending IN DELETE FROM ${schema}.guard_pending_receipt WHERE shipment_id = op->>'shipment' RETURNING site, lines LOOP
        FOR line IN SELECT value FROM jsonb_array_elements(pending.lines) LOOP
          PERFORM ${schema}.guard_add_stock(pending.site, line->>'batch', (line->>'n')::bigint, -(line->>'n')::bigint);
        END LOOP;
      END LOOP;
    WHEN 'received' THEN
      IF EXISTS (SELECT 1 FROM ${schema}.guard_shipment WHERE shipment_id = op->>'shipment') THEN
        FOR line IN SELECT value FROM jsonb_array_elements(op->'lines') LOOP
          PERFORM ${schema}.guard_add_stock(op->>'site', line->>'batch', (line->>'n')::bigint, 0);
        END LOOP;
      ELSE
        FOR line IN SELECT value FROM jsonb_array_elements(op->'lines') LOOP
          PERFORM ${schema}.guard_add_stock(op->>'site', line->>'batch', 0, (line->>'n')::bigint);
        END LOOP;
        INSERT INTO ${schema}.guard_pending_receipt (shipment_id, site, lines) VALUES (op->>'shipment', op->>'site', op->'lines')
        ON CONFLICT DO NOTHING;
      END IF;
    ELSE
      RAISE EXCEPTION 'unknown guard operation %', op->>'k';
    END CASE;
  END LOOP;
END $fn$;
`;
