import { guardSchemaSql } from '../postgres/guard-schema';

/**
 * The PostgreSQL side of the KurrentDB guard rows (docs/adr/0029-kurrentdb-guards.md, retention
 * in docs/adr/0033-kurrentdb-guard-row-retention.md): the tables of ADR 0011 plus `guard_event`
 * and the reader's position, and the functions that reserve, release, confirm, settle and
 * prune. kurrentdb-guards.ts calls them.
 */
export const kurrentGuardSchemaSql = (schema: string): string => `
${guardSchemaSql(schema)}
CREATE TABLE IF NOT EXISTS ${schema}.guard_event (
  event_id uuid PRIMARY KEY,
  stream_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('reserved', 'applied')),
  late jsonb NOT NULL DEFAULT '[]',
  undo jsonb NOT NULL DEFAULT '[]',
  -- Batches whose stock the reservation took (a recall waits for these to settle).
  batches text[] NOT NULL DEFAULT '{}',
  touched_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE ${schema}.guard_event ADD COLUMN IF NOT EXISTS batches text[] NOT NULL DEFAULT '{}';
-- Where the event was found in $all once applied (NULL: reserved, or applied before this column).
ALTER TABLE ${schema}.guard_event ADD COLUMN IF NOT EXISTS position bigint;
CREATE INDEX IF NOT EXISTS guard_event_reserved ON ${schema}.guard_event (touched_at) WHERE state = 'reserved';
CREATE INDEX IF NOT EXISTS guard_event_applied ON ${schema}.guard_event (touched_at) WHERE state = 'applied';
CREATE TABLE IF NOT EXISTS ${schema}.guard_log_position (
  id int PRIMARY KEY CHECK (id = 1),
  position bigint NOT NULL
);

-- Reserves the events of one append: the first reservation of an id applies its early
-- operations (checked when p_enforce is given) and keeps its late ones and its undo; a
-- reservation already there is only touched (its writer, or a retry, is still at work).
-- Returns the ids reserved by this call.
CREATE OR REPLACE FUNCTION ${schema}.kdb_guard_reserve(p_events jsonb, p_enforce jsonb) RETURNS text[]
LANGUAGE plpgsql AS $fn$
DECLARE
  e jsonb;
  out text[] := '{}';
BEGIN
  FOR e IN SELECT value FROM jsonb_array_elements(p_events) LOOP
    INSERT INTO ${schema}.guard_event (event_id, stream_id, state, late, undo, batches)
    VALUES ((e->>'id')::uuid, e->>'stream', 'reserved', e->'late', e->'undo',
            ARRAY(SELECT jsonb_array_elements_text(e->'batches')))
    ON CONFLICT (event_id) DO NOTHING;
    IF FOUND THEN
      PERFORM ${schema}.guards_apply(e->'early', p_enforce);
      out := out || (e->>'id');
    ELSE
      UPDATE ${schema}.guard_event SET touched_at = now() WHERE event_id = (e->>'id')::uuid AND state = 'reserved';
    END IF;
  END LOOP;
  RETURN out;
END $fn$;

-- Gives back reservations whose events are known not to be in the log. p_older_ms: only those
-- not touched for that long (the sweeper), NULL: any (the writer after a definite failure).
CREATE OR REPLACE FUNCTION ${schema}.kdb_guard_release(p_ids uuid[], p_older_ms bigint) RETURNS int
LANGUAGE plpgsql AS $fn$
DECLARE
  r record;
  n int := 0;
BEGIN
  FOR r IN DELETE FROM ${schema}.guard_event
            WHERE event_id = ANY(p_ids) AND state = 'reserved'
              AND (p_older_ms IS NULL OR touched_at < now() - make_interval(secs => p_older_ms / 1000.0))
           RETURNING undo LOOP
    PERFORM ${schema}.guards_apply(r.undo, NULL);
    n := n + 1;
  END LOOP;
  RETURN n;
END $fn$;

-- Events the log reader read from $all, in log order (p_events[]: id, stream, pos, ops): a
-- reservation becomes applied with its late operations; an event with no row gets all its
-- operations once; an applied one nothing. An event at or below the rows' position was applied
-- by the reader that moved the position there (whose row may since have been pruned), so it is
-- skipped: a reader that runs behind another, or a pruned row, never applies an event twice.
CREATE OR REPLACE FUNCTION ${schema}.kdb_guard_confirm(p_events jsonb, p_position bigint) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  e jsonb;
  r record;
  v_done bigint := coalesce((SELECT position FROM ${schema}.guard_log_position), -1);
BEGIN
  FOR e IN SELECT value FROM jsonb_array_elements(p_events) LOOP
    CONTINUE WHEN (e->>'pos')::bigint <= v_done;
    LOOP
      SELECT state, late INTO r FROM ${schema}.guard_event WHERE event_id = (e->>'id')::uuid FOR UPDATE;
      IF FOUND THEN
        IF r.state = 'reserved' THEN
          UPDATE ${schema}.guard_event SET state = 'applied', late = '[]', undo = '[]', touched_at = now(),
                 position = (e->>'pos')::bigint
           WHERE event_id = (e->>'id')::uuid;
          PERFORM ${schema}.guards_apply(r.late, NULL);
        END IF;
        EXIT;
      END IF;
      INSERT INTO ${schema}.guard_event (event_id, stream_id, state, position)
      VALUES ((e->>'id')::uuid, e->>'stream', 'applied', (e->>'pos')::bigint)
      ON CONFLICT (event_id) DO NOTHING;
      IF FOUND THEN
        PERFORM ${schema}.guards_apply(e->'ops', NULL);
        EXIT;
      END IF;
      -- A reservation committed between the two statements: read it again.
    END LOOP;
  END LOOP;
  IF p_position IS NOT NULL THEN
    INSERT INTO ${schema}.guard_log_position (id, position) VALUES (1, p_position)
    ON CONFLICT (id) DO UPDATE SET position = GREATEST(${schema}.guard_log_position.position, EXCLUDED.position);
  END IF;
END $fn$;

-- Old reservations whose events the sweeper found in their streams (p_events[]: id, pos). Under
-- the row's lock: an event above the rows' position is new, so the reservation is confirmed
-- (applied, with its late operations); one at or below it was applied when the log reader
-- passed it, so this reservation is a second one for the same event (a retry that reached
-- the store after its first row was pruned, answered by KurrentDB as already written) and is
-- given back. Returns how many were confirmed and released.
CREATE OR REPLACE FUNCTION ${schema}.kdb_guard_settle(p_events jsonb, OUT confirmed int, OUT released int)
LANGUAGE plpgsql AS $fn$
DECLARE
  e jsonb;
  r record;
BEGIN
  confirmed := 0;
  released := 0;
  FOR e IN SELECT value FROM jsonb_array_elements(p_events) LOOP
    SELECT state, late, undo INTO r FROM ${schema}.guard_event WHERE event_id = (e->>'id')::uuid FOR UPDATE;
    CONTINUE WHEN NOT FOUND OR r.state <> 'reserved';
    IF (e->>'pos')::bigint <= coalesce((SELECT position FROM ${schema}.guard_log_position), -1) THEN
      DELETE FROM ${schema}.guard_event WHERE event_id = (e->>'id')::uuid;
      PERFORM ${schema}.guards_apply(r.undo, NULL);
      released := released + 1;
    ELSE
      UPDATE ${schema}.guard_event SET state = 'applied', late = '[]', undo = '[]', touched_at = now(),
             position = (e->>'pos')::bigint
       WHERE event_id = (e->>'id')::uuid;
      PERFORM ${schema}.guards_apply(r.late, NULL);
      confirmed := confirmed + 1;
    END IF;
  END LOOP;
END $fn$;

-- Retention of guard_event (docs/adr/0029): applied rows untouched for p_older_ms whose event
-- the log reader has passed. Nothing reads them again: the reader skips events at or below
-- its position, and the sweeper gives back a reservation for such an event. At most p_limit
-- rows per call. Returns how many went.
CREATE OR REPLACE FUNCTION ${schema}.kdb_guard_prune(p_older_ms bigint, p_limit int) RETURNS int
LANGUAGE sql AS $fn$
  WITH gone AS (
    DELETE FROM ${schema}.guard_event
     WHERE event_id IN (
       SELECT event_id FROM ${schema}.guard_event
        WHERE state = 'applied' AND touched_at < now() - make_interval(secs => p_older_ms / 1000.0)
          AND position <= (SELECT position FROM ${schema}.guard_log_position)
        LIMIT p_limit)
    RETURNING 1)
  SELECT count(*)::int FROM gone;
$fn$;
`;
