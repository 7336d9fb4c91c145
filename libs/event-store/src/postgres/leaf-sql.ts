import { LEAF_TAG } from '../tamper/leaf-hash';

/**
 * The leaf hash of tamper/leaf-hash.ts computed by PostgreSQL, for the log checkpointer's read
 * (docs/adr/0028-log-leaves-in-sql.md). Each rule of `hashedMetadataOf` has its counterpart
 * here; the event-store contract compares the result with `leafHashOf` on events built to
 * break each rule, on PostgreSQL and on PGlite. A change to one must be made to the other.
 *
 * Text: jsonb's own output is the canonical JSON `canonicalJson` renders (ADR 0019), so
 * `data::text` and the hashed metadata's `::text` are hashed as they are. Only metadata that is
 * not a JSON object gives NULL (the adapter then hashes that event in Node).
 */

/*
 * Each value the rules look at is taken out of the row once, by the lateral subqueries of
 * `log_leaves` (OFFSET 0 keeps them computed once): `m` the metadata, `a` its actor, `a_org`,
 * `a_role`, `a_prov`, `a_site`, `a_staff` the actor's fields. Written inline, each `->` copied
 * the value again (the actor some twenty times), which cost more than the hashing itself.
 */
const M = 'x.m';
const ACTOR = 'x.a';
const ORG = 'f.a_org';
const ROLE = 'f.a_role';
const PROV = 'f.a_prov';
const SITE = 'f.a_site';
const STAFF = 'f.a_staff';

/** JavaScript's falsy values a JSON value can hold. */
const falsy = (v: string): string => `((${v}) IN ('null', 'false', '""', '0'))`;
const truthy = (v: string): string => `((${v}) IS NOT NULL AND NOT ${falsy(v)})`;
const nonEmptyString = (v: string): string => `(jsonb_typeof(${v}) = 'string' AND (${v}) <> '""')`;

/**
 * The metadata minus what `hashedMetadataOf` leaves out, in one delete (a NULL key deletes
 * nothing): the transport keys, a falsy correlation or causation id, an `occurredAt` that is
 * only the stand-in for `originRecordedAt` (JavaScript's `===`: scalars only), and `__proto__`
 * (which `hashedMetadataOf`, assigning it to a plain object, never keeps as a key).
 */
const WITHOUT_DROPPED = `${M} - ARRAY['originProvince', 'originPosition', 'originRecordedAt', '__proto__',
    CASE WHEN ${falsy(`${M} -> 'correlationId'`)} THEN 'correlationId' END,
    CASE WHEN ${falsy(`${M} -> 'causationId'`)} THEN 'causationId' END,
    CASE WHEN ${M} ?& '{occurredAt,originRecordedAt}' AND jsonb_typeof(${M} -> 'occurredAt') NOT IN ('object', 'array')
              AND ${M} -> 'occurredAt' = ${M} -> 'originRecordedAt' THEN 'occurredAt' END]`;

/**
 * True when the stored actor is already what `actorView` makes of it, as the node's own events'
 * actors are (checked first: rebuilding it costs more than checking): no actor, or an object of
 * at most orgCode, role, provinceCode (strings), siteCode and staffRef (non-empty strings),
 * not the envelope's unknown/unknown stand-in.
 */
const ACTOR_AS_IS = `(${ACTOR} IS NULL OR (jsonb_typeof(${ACTOR}) = 'object'
    AND jsonb_typeof(${ORG}) = 'string' AND jsonb_typeof(${ROLE}) = 'string'
    AND jsonb_typeof(${PROV}) = 'string'
    AND NOT (${ORG} = '"unknown"' AND ${ROLE} = '"unknown"')
    AND (${SITE} IS NULL OR ${nonEmptyString(SITE)})
    AND (${STAFF} IS NULL OR ${nonEmptyString(STAFF)})
    AND ${ACTOR} - '{orgCode,role,provinceCode,siteCode,staffRef}'::text[] = '{}'))`;

/** `actorView` in general: `{actor: view}`, or `{}` when the actor counts as none. */
const ACTOR_VIEW = `CASE WHEN jsonb_typeof(${ACTOR}) IN ('object', 'array')
      AND (${ORG} = '"unknown"' AND ${ROLE} = '"unknown"') IS NOT TRUE
    THEN jsonb_build_object('actor', jsonb_build_object(
           'orgCode', coalesce(nullif(${ORG}, 'null'), '""'),
           'role', coalesce(nullif(${ROLE}, 'null'), '""'),
           'provinceCode', coalesce(nullif(${PROV}, 'null'), '""'))
         || CASE WHEN ${truthy(SITE)} THEN jsonb_build_object('siteCode', ${SITE}) ELSE '{}' END
         || CASE WHEN ${truthy(STAFF)} THEN jsonb_build_object('staffRef', ${STAFF}) ELSE '{}' END)
    ELSE '{}' END`;

/** `hashedMetadataOf(metadata)` as jsonb (NULL for metadata that is not an object). */
export const HASHED_METADATA_SQL = `CASE WHEN jsonb_typeof(${M}) <> 'object' THEN NULL
  WHEN ${ACTOR_AS_IS} THEN ${WITHOUT_DROPPED}
  ELSE (${WITHOUT_DROPPED} - 'actor') || ${ACTOR_VIEW} END`;

/** `part(s)` of a bytea expression: its int32 big-endian length, then the bytes. */
const part = (bytes: string): string => `int4send(octet_length(${bytes})) || ${bytes}`;

const literalPart = (text: string): string => {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return `'\\x${Buffer.concat([length, bytes]).toString('hex')}'::bytea`;
};

/**
 * The checkpointer's page of the log: position, id, stream, `originProvince` when it is a string,
 * and the hex leaf (NULL where the metadata is not an object). A function so that its plan is
 * kept by the session and is an ordered index scan whatever the statistics say: on a log that was
 * never analysed (autovacuum off, PGlite) the planner takes the page's range for 0.5 % of the
 * table and would otherwise fetch and sort every event after `p_after` for each page, which makes
 * catching up with a long backlog quadratic.
 */
export const logLeavesFunctionSql = (schema: string): string => `
CREATE OR REPLACE FUNCTION ${schema}.log_leaves(p_after bigint, p_limit int)
RETURNS TABLE (out_position bigint, out_event_id uuid, out_stream_id text, out_origin text, out_leaf text)
LANGUAGE plpgsql STABLE
SET enable_seqscan = off
SET enable_bitmapscan = off
AS $fn$
BEGIN
  RETURN QUERY
  SELECT e.position, e.event_id, e.stream_id,
         CASE WHEN jsonb_typeof(${M} -> 'originProvince') = 'string' THEN ${M} ->> 'originProvince' END,
         encode(sha256(${literalPart(LEAF_TAG)} || '\\x00000024'::bytea || convert_to(e.event_id::text, 'UTF8')
           || ${part('b.stream')} || int8send(e.revision) || ${part('b.type')} || int4send(e.schema_version)
           || sha256(${part('b.data')} || ${part('b.hashed')})), 'hex')
    FROM (SELECT * FROM ${schema}.events
           WHERE position > p_after AND position < ${schema}.safe_position_bound()
           ORDER BY position LIMIT p_limit) e,
         -- OFFSET 0 keeps each value computed once (a flattened subquery would repeat it where used).
         LATERAL (SELECT e.metadata AS m, e.metadata -> 'actor' AS a OFFSET 0) x,
         LATERAL (SELECT x.a -> 'orgCode' AS a_org, x.a -> 'role' AS a_role, x.a -> 'provinceCode' AS a_prov,
                         x.a -> 'siteCode' AS a_site, x.a -> 'staffRef' AS a_staff OFFSET 0) f,
         LATERAL (SELECT convert_to(e.stream_id, 'UTF8') AS stream, convert_to(e.type, 'UTF8') AS type,
                         convert_to(e.data::text, 'UTF8') AS data,
                         convert_to((${HASHED_METADATA_SQL})::text, 'UTF8') AS hashed
                  OFFSET 0) b
   ORDER BY e.position;
END $fn$;
`;
