import { parseTraceCode, RuleViolation } from '@vaxledger/domain';

/** Every unit trace code on a goods line must be a well-formed 20-digit code (the first bad one is named). */
export const checkLineTraceCodes = (lines: readonly { readonly traceCodes?: readonly string[] | undefined }[]): void =>
  lines.forEach((line, l) =>
    line.traceCodes?.forEach((raw, i) => {
      if (!parseTraceCode(raw).ok)
        throw new RuleViolation(
          'INVALID_TRACE_CODE',
          `lines[${l}].traceCodes[${i}] is not a 20-digit trace code`,
          `lines[${l}].traceCodes[${i}]`,
        );
    }),
  );

/** A goods line: a batch, how many doses, and for serialised products which units. */
export interface GoodsLine {
  readonly batchId: string;
  readonly quantity: number;
  readonly traceCodes?: readonly string[] | undefined;
}
