import { streamCategory } from '@vaxledger/domain';

/**
 * What the national hub forwards to whom (ARCHITECTURE.md §3, DOMAIN.md §4 "Crosses
 * provinces"). Pure: the hub router feeds it the stream id and what its person index knows.
 *
 * - supply-chain facts (organisations, sites, products, batches, lot releases) and every
 *   recall go to every province the hub serves: they are small next to doses, every
 *   province's regulator and CDCs need to recognise any batch that may cross its border,
 *   and a province that receives a batch's later events must hold its earlier ones;
 * - a person's events go to the provinces that served the person or asked for the
 *   history (the person index), never to anyone else;
 * - an AEFI report, acknowledgement or class goes to the provinces its payload names in
 *   `routeTo` (where the doses were given; back to the reporter), and AEFI signals go to
 *   every served province (regulators anywhere may hold the batch); narratives never travel
 *   (they are in the reporter's vault, not in any event);
 * - audit trails stay home;
 * - nothing goes back to its origin.
 */
export type Route =
  | { readonly kind: 'all-served' }
  | { readonly kind: 'person'; readonly personId: string }
  | { readonly kind: 'listed'; readonly provinces: readonly string[] }
  | { readonly kind: 'none'; readonly why: string };

// Log checkpoints (ADR 0019) go everywhere too: any province may hold some of the origin's events.
const SUPPLY_CHAIN = new Set(['org', 'site', 'product', 'batch', 'lotrelease', 'recall', 'signal', 'logcheckpoint']);
const PROVINCE = /^\d{6}$/;
const PERSON_STREAM = /^person-(\d{6})-(p[12][a-z2-7]{26})$/;

/** `payload` is the event's JSON data; only AEFI streams read it (their `routeTo`). */
export const routeOf = (streamId: string, payload?: unknown): Route => {
  const person = PERSON_STREAM.exec(streamId);
  if (person) return { kind: 'person', personId: person[2]! };
  if (streamCategory(streamId) === 'aefi') {
    const listed = (payload as { routeTo?: unknown } | undefined)?.routeTo;
    const provinces = Array.isArray(listed) ? listed.filter((p): p is string => typeof p === 'string' && PROVINCE.test(p)) : [];
    return provinces.length > 0 ? { kind: 'listed', provinces } : { kind: 'none', why: 'an AEFI event concerning no other province' };
  }
  const category = streamCategory(streamId);
  if (SUPPLY_CHAIN.has(category)) return { kind: 'all-served' };
  return { kind: 'none', why: `${category} streams are not forwarded` };
};

/** The provinces a message goes to, given the route and who the hub serves / the person index. */
export const forwardTargets = (route: Route, origin: string, served: readonly string[], interested: readonly string[] = []): string[] => {
  const pick =
    route.kind === 'all-served'
      ? served
      : route.kind === 'person'
        ? interested
        : route.kind === 'listed'
          ? route.provinces.filter((p) => served.includes(p))
          : [];
  return [...new Set(pick)].filter((p) => p !== origin).sort();
};

/** The person a person stream belongs to, or null. */
export const personOfStream = (streamId: string): string | null => PERSON_STREAM.exec(streamId)?.[2] ?? null;
