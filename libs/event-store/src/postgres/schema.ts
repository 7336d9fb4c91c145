import { GUARD_VIOLATION_SQLSTATE, guardSchemaSql } from './guard-schema';
import { logLeavesFunctionSql } from './leaf-sql';

/**
 * DDL of the postgres event store, applied by `migrate()`. Kept as code (not a .sql file)
 * so the compiled adapter carries it without a copy step.
 *
 * Global position: `(transaction id << 20) + n`, where n counts the events a transaction
 * appended. A reader only returns events whose transaction id is below the oldest
 * transaction still running (`pg_snapshot_xmin`), and every transaction that starts later
 * gets a larger id, so nothing can ever commit behind a reader's checkpoint. The
 * alternative, a sequence, hands out numbers at insert time, not at commit time: a reader
 * that saw 11 while 10 was still in flight would skip 10 forever. See
 * docs/adr/0002-global-position.md.
 */
export const TX_SHIFT = 20n;
/** SQLSTATEs `append_refused` raises for an append refused by id or by revision. */
export const APPEND_REFUSED_SQLSTATE = { idConflict: 'VXA02', revision: 'VXA03' } as const;
export const MAX_EVENTS_PER_TRANSACTION = 1 << 20;

export const schemaSql = (schema: string): string => `
CREATE SCHEMA IF NOT EXISTS ${schema};

CREATE TABLE IF NOT EXISTS ${schema}.streams (
  stream_id text PRIMARY KEY,
  revision bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS ${schema}.events (
  position bigint PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  stream_id text NOT NULL,
  revision bigint NOT NULL,
  type text NOT NULL,
  schema_version int NOT NULL,
  data jsonb NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (stream_id, revision)
);

-- Schemas created before docs/adr/0023-log-leaves-after-commit.md may still hold a \`leaf_hash\`
-- column: it is no longer written nor read (the checkpointer computes leaves after commit).

-- Facts are never updated or deleted: corrections are new events.
CREATE OR REPLACE FUNCTION ${schema}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'vaxledger events are append-only (% refused)', TG_OP USING ERRCODE = 'P0001';
END $fn$;
DROP TRIGGER IF EXISTS events_append_only ON ${schema}.events;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON ${schema}.events
  FOR EACH ROW EXECUTE FUNCTION ${schema}.refuse_change();

${guardSchemaSql(schema)}

-- Appends a batch of events to one stream in one round trip, with its guard operations.
-- p_guards: guard operations of these events (guard-schema.ts); p_enforce: NULL or the checks.
-- p_kind: 0 any, 1 no-stream, 2 stream-exists, 3 exact revision (p_expected).
-- out_status: 0 appended, 1 replay of the same events (nothing appended),
--             2 an event id is stored with other content, 3 revision conflict.
DROP FUNCTION IF EXISTS ${schema}.append_events(text, int, bigint, uuid[], text[], int[], jsonb[], jsonb[]);
-- Earlier versions that took per-event leaf inputs (the leaf is no longer computed in the append).
DROP FUNCTION IF EXISTS ${schema}.append_events(text, int, bigint, uuid[], text[], int[], jsonb[], jsonb[], jsonb, jsonb, jsonb[]);
DROP FUNCTION IF EXISTS ${schema}.append_events(text, int, bigint, uuid[], text[], int[], jsonb[], jsonb[], jsonb, jsonb, text[]);
CREATE OR REPLACE FUNCTION ${schema}.append_events(
  p_stream text, p_kind int, p_expected bigint, p_ids uuid[], p_types text[],
  p_versions int[], p_data jsonb[], p_meta jsonb[], p_guards jsonb DEFAULT NULL, p_enforce jsonb DEFAULT NULL
) RETURNS TABLE (out_status int, out_revision bigint, out_position bigint, out_actual bigint)
LANGUAGE plpgsql
-- As append_streams below: every lookup has an index, and on a young log the plan a session
-- caches for the event-id probe would otherwise be a sequential scan over a growing table (a
-- new node's single appends slowed from ~3,000 to ~2,000/s within 20,000 events).
SET enable_seqscan = off
AS $fn$
DECLARE
  v_n int := cardinality(p_ids);
  v_found int;
  v_same int;
  v_current bigint;
  v_base bigint;
  v_next int;
BEGIN
  -- Almost every append is new: a cheap probe first, the full comparison only on a hit.
  IF EXISTS (SELECT 1 FROM ${schema}.events e WHERE e.event_id = ANY (p_ids)) THEN
    SELECT count(*),
           count(*) FILTER (WHERE e.stream_id = p_stream AND e.type = p_types[i.ord]
                            AND e.schema_version = p_versions[i.ord] AND e.data = p_data[i.ord])
      INTO v_found, v_same
      FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
      JOIN ${schema}.events e ON e.event_id = i.id;
    IF v_found = v_n AND v_same = v_n THEN
      RETURN QUERY SELECT 1, max(e.revision), max(e.position), NULL::bigint
        FROM ${schema}.events e WHERE e.event_id = ANY (p_ids);
    ELSE
      RETURN QUERY SELECT 2, NULL::bigint, NULL::bigint, NULL::bigint;
    END IF;
    RETURN;
  END IF;

  SELECT s.revision INTO v_current FROM ${schema}.streams s WHERE s.stream_id = p_stream FOR UPDATE;
  IF NOT FOUND THEN v_current := NULL; END IF;
  IF (p_kind = 1 AND v_current IS NOT NULL)
     OR (p_kind = 2 AND v_current IS NULL)
     OR (p_kind = 3 AND v_current IS DISTINCT FROM p_expected) THEN
    RETURN QUERY SELECT 3, NULL::bigint, NULL::bigint, v_current;
    RETURN;
  END IF;
  IF v_current IS NULL THEN
    -- A concurrent creator makes this fail with a unique violation: the caller maps it.
    INSERT INTO ${schema}.streams (stream_id, revision) VALUES (p_stream, v_n - 1);
    v_current := -1;
  ELSE
    UPDATE ${schema}.streams SET revision = v_current + v_n WHERE stream_id = p_stream;
  END IF;

  v_base := (pg_current_xact_id()::text::bigint) << ${TX_SHIFT};
  SELECT coalesce(max(e.position) - v_base + 1, 0) INTO v_next
    FROM ${schema}.events e
   WHERE e.position >= v_base AND e.position < v_base + ${MAX_EVENTS_PER_TRANSACTION};

  -- One pass over the arrays side by side (a subscript per row would walk each array again).
  INSERT INTO ${schema}.events (position, event_id, stream_id, revision, type, schema_version, data, metadata)
  SELECT v_base + v_next + i.ord - 1, i.id, p_stream, v_current + i.ord, i.type, i.version, i.data, i.meta
    FROM unnest(p_ids, p_types, p_versions, p_data, p_meta) WITH ORDINALITY AS i(id, type, version, data, meta, ord);

  -- Same transaction as the events: a refused guard (stock, unit, hold) appends nothing, and
  -- a replayed append (above) never applies its guards twice.
  IF p_guards IS NOT NULL THEN
    PERFORM ${schema}.guards_apply(p_guards, p_enforce);
  END IF;

  RETURN QUERY SELECT 0, v_current + v_n, v_base + v_next + v_n - 1, NULL::bigint;
END $fn$;

-- append_events for many streams at once, set-based (appendAll: a sync import's Kafka batch).
-- Streams are numbered 1..m in p_streams (with p_kinds, p_expected, p_counts, p_guards,
-- p_enforce per stream); the events of all streams come in stream order, p_sidx naming each
-- event's stream. Each stream is judged exactly as append_events judges it (replay, id stored
-- with other content, revision); when any stream fails nothing is written and every stream's
-- status is returned, so the caller can report the first failure. Stream ids and event ids must
-- be distinct within a call (the adapter takes the one-stream path otherwise).
DROP FUNCTION IF EXISTS ${schema}.append_streams(text[], int[], bigint[], int[], int[], uuid[], text[], int[], jsonb[], jsonb[], jsonb[], jsonb[]);
CREATE OR REPLACE FUNCTION ${schema}.append_streams(
  p_streams text[], p_kinds int[], p_expected bigint[], p_counts int[], p_sidx int[],
  p_ids uuid[], p_types text[], p_versions int[], p_data jsonb[], p_meta jsonb[],
  p_guards jsonb[] DEFAULT NULL, p_enforce jsonb[] DEFAULT NULL
) RETURNS TABLE (out_index int, out_status int, out_revision bigint, out_position bigint, out_actual bigint)
LANGUAGE plpgsql
-- Every lookup here has an index (event id, stream id, position, guard keys). On a young log
-- (a node catching up from nothing) the statistics say the events table is tiny, and the plan
-- the session caches for the event-id probe is a sequential scan, one per batch over a growing
-- log: ~0.1 ms per thousand events stored, per call. Without sequential scans it stays an index probe.
SET enable_seqscan = off
AS $fn$
DECLARE
  v_m int := cardinality(p_streams);
  v_status int[] := array_fill(0, ARRAY[v_m]);
  v_current bigint[];
  v_known_rev bigint[] := array_fill(NULL::bigint, ARRAY[v_m]);
  v_known_pos bigint[] := array_fill(NULL::bigint, ARRAY[v_m]);
  v_failed boolean := false;
  v_base bigint;
  v_next int;
  r record;
BEGIN
  -- Dedupe by event id: one probe for the whole batch, the per-stream comparison only on a hit.
  IF EXISTS (SELECT 1 FROM ${schema}.events e WHERE e.event_id = ANY (p_ids)) THEN
    FOR r IN
      SELECT i.sidx, count(*) AS total, count(e.event_id) AS found,
             count(*) FILTER (WHERE e.stream_id = s.stream_id AND e.type = i.type
                              AND e.schema_version = i.version AND e.data = i.data) AS same,
             max(e.revision) AS rev, max(e.position) AS pos
        FROM unnest(p_ids, p_sidx, p_types, p_versions, p_data) AS i(id, sidx, type, version, data)
        JOIN unnest(p_streams) WITH ORDINALITY AS s(stream_id, k) ON s.k = i.sidx
        LEFT JOIN ${schema}.events e ON e.event_id = i.id
       GROUP BY i.sidx
      HAVING count(e.event_id) > 0
    LOOP
      IF r.found = r.total AND r.same = r.total THEN
        v_status[r.sidx] := 1;
        v_known_rev[r.sidx] := r.rev;
        v_known_pos[r.sidx] := r.pos;
      ELSE
        v_status[r.sidx] := 2;
        v_failed := true;
      END IF;
    END LOOP;
  END IF;

  -- Lock the existing streams in one order (two batches touching the same streams cannot
  -- deadlock on them), then read their revisions side by side with the arguments.
  PERFORM 1 FROM ${schema}.streams st WHERE st.stream_id = ANY (p_streams) ORDER BY st.stream_id FOR UPDATE;
  SELECT array_agg(st.revision ORDER BY s.k) INTO v_current
    FROM unnest(p_streams) WITH ORDINALITY AS s(stream_id, k)
    LEFT JOIN ${schema}.streams st ON st.stream_id = s.stream_id;

  FOR r IN
    SELECT s.k, s.kind, s.expected, s.cur
      FROM unnest(p_kinds, p_expected, v_current, v_status) WITH ORDINALITY AS s(kind, expected, cur, status, k)
     WHERE s.status = 0
       AND ((s.kind = 1 AND s.cur IS NOT NULL) OR (s.kind = 2 AND s.cur IS NULL)
            OR (s.kind = 3 AND s.cur IS DISTINCT FROM s.expected))
  LOOP
    v_status[r.k] := 3;
    v_failed := true;
  END LOOP;

  IF NOT v_failed THEN
    -- A concurrent creator makes this fail with a unique violation: the caller maps it. In
    -- stream-id order, as the locks above, so two calls creating the same streams wait, not deadlock.
    INSERT INTO ${schema}.streams (stream_id, revision)
    SELECT s.stream_id, s.n - 1
      FROM unnest(p_streams, p_counts, v_current, v_status) AS s(stream_id, n, cur, status)
     WHERE s.status = 0 AND s.cur IS NULL
     ORDER BY s.stream_id;
    UPDATE ${schema}.streams st SET revision = s.cur + s.n
      FROM unnest(p_streams, p_counts, v_current, v_status) AS s(stream_id, n, cur, status)
     WHERE s.status = 0 AND s.cur IS NOT NULL AND st.stream_id = s.stream_id;

    v_base := (pg_current_xact_id()::text::bigint) << ${TX_SHIFT};
    SELECT coalesce(max(e.position) - v_base + 1, 0) INTO v_next
      FROM ${schema}.events e
     WHERE e.position >= v_base AND e.position < v_base + ${MAX_EVENTS_PER_TRANSACTION};

    -- Positions follow the argument order over the streams that append (dense, as for
    -- append_events); revisions count on from each stream's current one.
    INSERT INTO ${schema}.events (position, event_id, stream_id, revision, type, schema_version, data, metadata)
    SELECT v_base + v_next + row_number() OVER (ORDER BY i.ord) - 1, i.id, s.stream_id,
           coalesce(s.cur, -1) + row_number() OVER (PARTITION BY i.sidx ORDER BY i.ord),
           i.type, i.version, i.data, i.meta
      FROM unnest(p_ids, p_sidx, p_types, p_versions, p_data, p_meta) WITH ORDINALITY AS i(id, sidx, type, version, data, meta, ord)
      JOIN unnest(p_streams, v_current, v_status) WITH ORDINALITY AS s(stream_id, cur, status, k) ON s.k = i.sidx
     WHERE s.status = 0;

    -- Guard operations of the appended streams only (a replayed stream applied its own the
    -- first time), in stream order, in this transaction: a refusal undoes the whole call.
    IF p_guards IS NOT NULL THEN
      FOR r IN
        SELECT g.ops, g.enforce
          FROM unnest(p_guards, p_enforce, v_status) WITH ORDINALITY AS g(ops, enforce, status, k)
         WHERE g.status = 0 AND g.ops IS NOT NULL
         ORDER BY g.k
      LOOP
        PERFORM ${schema}.guards_apply(r.ops, r.enforce);
      END LOOP;
    END IF;
  END IF;

  RETURN QUERY
    SELECT s.k::int, s.status,
           CASE s.status WHEN 0 THEN coalesce(s.cur, -1) + s.n WHEN 1 THEN s.known_rev END,
           CASE s.status
             WHEN 0 THEN v_base + v_next - 1 + sum(s.n) FILTER (WHERE s.status = 0) OVER (ORDER BY s.k)
             WHEN 1 THEN s.known_pos END,
           CASE s.status WHEN 3 THEN s.cur END
      FROM unnest(p_counts, v_current, v_status, v_known_rev, v_known_pos)
           WITH ORDINALITY AS s(n, cur, status, known_rev, known_pos, k)
     ORDER BY s.k;
END $fn$;

-- Many appends in one round trip (bulk loads, ADR 0026): p_items is a JSON array of
-- {stream, kind, expected, ids, types, versions, data, meta, guards, enforce}, each the
-- arguments of one append_events call. Each item runs in its own subtransaction, so a refused
-- guard or a unique violation undoes that item only; its row says why (status 4: guard, with
-- the rule and subject; 5: unique violation, a concurrent creator of the stream).
CREATE OR REPLACE FUNCTION ${schema}.append_each(p_items jsonb)
RETURNS TABLE (out_ord int, out_status int, out_revision bigint, out_position bigint, out_actual bigint,
               out_rule text, out_subject text)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_item jsonb;
  v_ord int;
  r record;
BEGIN
  FOR v_item, v_ord IN SELECT value, ordinality FROM jsonb_array_elements(p_items) WITH ORDINALITY LOOP
    BEGIN
      SELECT * INTO r FROM ${schema}.append_events(
        v_item->>'stream', (v_item->>'kind')::int, (v_item->>'expected')::bigint,
        ARRAY(SELECT x::uuid FROM jsonb_array_elements_text(v_item->'ids') WITH ORDINALITY AS a(x, o) ORDER BY o),
        ARRAY(SELECT x FROM jsonb_array_elements_text(v_item->'types') WITH ORDINALITY AS a(x, o) ORDER BY o),
        ARRAY(SELECT x::int FROM jsonb_array_elements_text(v_item->'versions') WITH ORDINALITY AS a(x, o) ORDER BY o),
        ARRAY(SELECT x FROM jsonb_array_elements(v_item->'data') WITH ORDINALITY AS a(x, o) ORDER BY o),
        ARRAY(SELECT x FROM jsonb_array_elements(v_item->'meta') WITH ORDINALITY AS a(x, o) ORDER BY o),
        NULLIF(v_item->'guards', 'null'::jsonb), NULLIF(v_item->'enforce', 'null'::jsonb));
      out_ord := v_ord; out_status := r.out_status; out_revision := r.out_revision;
      out_position := r.out_position; out_actual := r.out_actual; out_rule := NULL; out_subject := NULL;
      RETURN NEXT;
    EXCEPTION
      WHEN SQLSTATE '${GUARD_VIOLATION_SQLSTATE}' THEN
        out_ord := v_ord; out_status := 4; out_revision := NULL; out_position := NULL; out_actual := NULL;
        GET STACKED DIAGNOSTICS out_rule = MESSAGE_TEXT, out_subject = PG_EXCEPTION_DETAIL;
        RETURN NEXT;
      WHEN unique_violation THEN
        out_ord := v_ord; out_status := 5; out_revision := NULL; out_position := NULL; out_actual := NULL;
        out_rule := NULL; out_subject := NULL;
        RETURN NEXT;
    END;
  END LOOP;
END $fn$;

-- An append_events answer that refuses the append (2: an event id stored with other content,
-- 3: not the expected revision) as an error, so that the transaction it runs in fails: a
-- transaction whose COMMIT went out with its append (StoreTransaction.commitWith) must not
-- commit its other statements when the append was refused. True otherwise.
CREATE OR REPLACE FUNCTION ${schema}.append_refused(p_status int, p_actual bigint) RETURNS boolean
LANGUAGE plpgsql AS $fn$
BEGIN
  IF p_status = 2 THEN
    RAISE EXCEPTION USING ERRCODE = '${APPEND_REFUSED_SQLSTATE.idConflict}', MESSAGE = 'event id stored with other content';
  ELSIF p_status = 3 THEN
    RAISE EXCEPTION USING ERRCODE = '${APPEND_REFUSED_SQLSTATE.revision}', MESSAGE = 'not the expected revision',
      DETAIL = coalesce(p_actual::text, '');
  END IF;
  RETURN true;
END $fn$;

-- The highest position no in-flight transaction can still write below.
CREATE OR REPLACE FUNCTION ${schema}.safe_position_bound() RETURNS bigint LANGUAGE sql STABLE AS $fn$
  SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint) << ${TX_SHIFT}
$fn$;
${logLeavesFunctionSql(schema)}`;
