/**
 * Every refusal the domain can give, as a stable string code. A string survives a process
 * hop (HTTP, Kafka, a retry queue) where `instanceof` does not; the HTTP edge maps each
 * code to a status in one table, so the compiler asks for a status for every new code.
 */
export const RULE_CODES = [
  // identifiers and input shape the domain checks itself
  'INVALID_TRACE_CODE',
  'INVALID_GTIN',
  'INVALID_LOT_NUMBER',
  'INVALID_ORG_CODE',
  'INVALID_REGION_CODE',
  'INVALID_PERSON_ID',
  'PERSON_DETAILS_MISMATCH',
  'INVALID_QUANTITY',
  'INVALID_DATE',
  'TIME_IN_FUTURE',
  // master data
  'ORGANISATION_EXISTS',
  'UNKNOWN_ORGANISATION',
  'PRODUCT_EXISTS',
  'PRODUCT_CODE_TAKEN',
  'INVALID_PACKAGING_LEVELS',
  'INVALID_STORAGE_RANGE',
  'UNKNOWN_PRODUCT',
  'UNKNOWN_PRODUCT_CODE',
  'NOT_PRODUCT_OWNER',
  // batches and release
  'BATCH_EXISTS',
  'UNKNOWN_BATCH',
  'EXPIRY_BEFORE_PRODUCTION',
  'EXPIRY_INCONSISTENT_WITH_SHELF_LIFE',
  'TRACE_CODE_COUNT_MISMATCH',
  'TRACE_CODE_WRONG_PRODUCT',
  'TRACE_CODE_DUPLICATE',
  'RELEASE_ALREADY_DECIDED',
  'RELEASE_DATE_OUT_OF_RANGE',
  'NOT_RELEASE_AUTHORITY',
  'BATCH_NOT_RELEASED',
  'BATCH_RELEASE_REFUSED',
  'BATCH_RECALLED',
  'BATCH_SUSPENDED',
  'BATCH_EXPIRED',
  // shipments, stock, destruction
  'UNKNOWN_SHIPMENT',
  'SHIPMENT_EXISTS',
  'DELIVERY_NOTE_REUSED',
  'DUPLICATE_LINE',
  'SHIPMENT_ALREADY_RECEIVED',
  'RECEIPT_BEFORE_DISPATCH',
  'NOT_SHIPMENT_RECIPIENT',
  'SAME_SENDER_AND_RECEIVER',
  'FLOW_NOT_ALLOWED',
  'INSUFFICIENT_STOCK',
  'RECEIPT_QUANTITY_MISMATCH',
  'RECEIPT_LINE_NOT_SHIPPED',
  'TRACE_CODE_NOT_ON_HAND',
  'TRACE_CODE_NOT_SHIPPED',
  'TEMPERATURE_LOG_REQUIRED',
  'EXECUTOR_IS_SUPERVISOR',
  'RECALL_REQUIRED',
  // recalls
  'RECALL_EXISTS',
  'UNKNOWN_RECALL',
  'RECALL_NOT_LIFTABLE',
  'RECALL_ALREADY_LIFTED',
  'NOT_RECALL_ISSUER',
  // doses and persons
  'TRACE_CODE_REQUIRED',
  'TRACE_CODE_USED',
  'TRACE_CODE_WRONG_BATCH',
  'UNKNOWN_TRACE_CODE',
  'DOSE_NUMBER_OUT_OF_ORDER',
  'DOSE_BEFORE_BIRTH',
  'DUPLICATE_DOSE_NUMBER',
  'INTERVAL_TOO_SHORT',
  'UNKNOWN_VACCINE_TYPE',
  'UNKNOWN_DOSE',
  'DOSE_ALREADY_VOIDED',
  'UNKNOWN_PERSON',
  'RETENTION_HOLD',
  // adverse events following immunisation
  'AEFI_REPORT_EXISTS',
  'UNKNOWN_AEFI_REPORT',
  'DOSE_OF_ANOTHER_PERSON',
  'ONSET_BEFORE_DOSE',
  'ONSET_AFTER_DISCOVERY',
] as const;
export type RuleCode = (typeof RULE_CODES)[number];

export class RuleViolation extends Error {
  override readonly name = 'RuleViolation';
  constructor(
    readonly code: RuleCode,
    message?: string,
    readonly field?: string,
  ) {
    super(message ?? code);
  }
}

export const isRuleViolation = (error: unknown): error is RuleViolation =>
  typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'RuleViolation';
