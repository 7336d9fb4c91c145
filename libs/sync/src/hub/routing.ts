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
 * - audit trails and AEFI narratives stay home (AEFI reports travel by their own route);
 * - nothing goes back to its origin.
 */
export type Route =
  | { readonly kind: 'all-served' }
  | { readonly kind: 'person'; readonly personId: string }
  | { readonly kind: 'none'; readonly why: string };

const SUPPLY_CHAIN = new Set(['org', 'site', 'product', 'batch', 'lotrelease', 'recall']);
const PERSON_STREAM = /^person-(\d{6})-(p[12][a-z2-7]{26})$/;

export const routeOf = (streamId: string): Route => {
  const person = PERSON_STREAM.exec(streamId);
  if (person) return { kind: 'person', personId: person[2]! };
  const category = streamCategory(streamId);
  if (SUPPLY_CHAIN.has(category)) return { kind: 'all-served' };
  return { kind: 'none', why: `${category} streams are not forwarded` };
};

/** The provinces a message goes to, given the route and who the hub serves / the person index. */
export const forwardTargets = (route: Route, origin: string, served: readonly string[], interested: readonly string[] = []): string[] => {
  const pick = route.kind === 'all-served' ? served : route.kind === 'person' ? interested : [];
  return [...new Set(pick)].filter((p) => p !== origin).sort();
};

/** The person a person stream belongs to, or null. */
export const personOfStream = (streamId: string): string | null => PERSON_STREAM.exec(streamId)?.[2] ?? null;
