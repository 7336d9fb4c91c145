/**
 * Stream ids, one writer each (DOMAIN.md §4). The category is the text before the first
 * hyphen; the rest may contain hyphens (batch ids, site codes with a point suffix).
 */
export const STREAM_CATEGORIES = ['org', 'product', 'batch', 'lotrelease', 'site', 'recall', 'person', 'aefi', 'signal'] as const;
export type StreamCategory = (typeof STREAM_CATEGORIES)[number];

export const orgStream = (orgCode: string): string => `org-${orgCode}`;
export const productStream = (productCode: string): string => `product-${productCode}`;
export const batchStream = (batchId: string): string => `batch-${batchId}`;
export const lotReleaseStream = (batchId: string): string => `lotrelease-${batchId}`;
export const siteStream = (orgCode: string): string => `site-${orgCode}`;
/** The organisation a `site-` stream belongs to (inverse of `siteStream`). */
export const siteOfStream = (streamId: string): string => streamId.replace(/^site-/, '');
export const recallStream = (recallId: string): string => `recall-${recallId}`;
export const personStream = (provinceCode: string, personId: string): string => `person-${provinceCode}-${personId}`;
/**
 * An AEFI report's stream on one node: the reporter's node holds the report; the node of a CDC
 * that acknowledges or classifies it keeps its own case file under the same report id.
 */
export const aefiStream = (provinceCode: string, reportId: string): string => `aefi-${provinceCode}-${reportId}`;
/** A node's AEFI signal for one batch (at most one is ever raised there). */
export const signalStream = (provinceCode: string, batchId: string): string => `signal-${provinceCode}-${batchId}`;

/**
 * The access trail of one organisation for one China-local day: `audit-{orgCode}-{YYYYMMDD}`.
 * Per organisation, so concurrent reads at different sites never contend for one stream;
 * per day, so a stream stays short and "what did this clinic look at on that day" is one
 * stream read. Audit streams stay on the node that wrote them (see `isLocalOnlyStream`).
 */
export const auditStream = (orgCode: string, localDate: string): string => `audit-${orgCode}-${localDate.replace(/-/g, '')}`;

/** Categories whose events never leave the node: the access trail is this node's own record. */
export const LOCAL_ONLY_CATEGORIES: readonly string[] = ['audit'];

/** A batch is a product plus a lot: `{productCode}-{lotNumber}`. */
export const batchIdOf = (productCode: string, lotNumber: string): string => `${productCode}-${lotNumber}`;

/**
 * Splits a batch id back into product code and lot. Product codes are digits and lot
 * numbers alphanumerics, so the first hyphen is the separator.
 */
export const splitBatchId = (batchId: string): { productCode: string; lotNumber: string } | null => {
  const at = batchId.indexOf('-');
  if (at <= 0 || at === batchId.length - 1) return null;
  return { productCode: batchId.slice(0, at), lotNumber: batchId.slice(at + 1) };
};

/** `batch-8696321-202611A017` → `batch`; an id without a hyphen is its own category. */
export const streamCategory = (streamId: string): string => {
  const at = streamId.indexOf('-');
  return at < 0 ? streamId : streamId.slice(0, at);
};

/** True for streams that are never published to other provinces (the access trail). */
export const isLocalOnlyStream = (streamId: string): boolean => LOCAL_ONLY_CATEGORIES.includes(streamCategory(streamId));
