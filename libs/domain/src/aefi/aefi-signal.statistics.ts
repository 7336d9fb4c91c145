/**
 * Per-batch AEFI signal statistics (DOMAIN.md §6, "AEFI by batch"): is a batch's report
 * count higher than its product's other batches make likely? Under the null hypothesis the
 * batch's reports are Poisson with mean = its doses × the other batches' report rate; the
 * one-sided p-value is P(X ≥ observed).
 */

/**
 * P(X ≥ k) for X ~ Poisson(mu), exact up to floating point. Small tails (the ones that
 * matter for a signal) are summed upward from k, never computed as 1 − (a number near 1),
 * which would lose every significant digit.
 */
export const poissonUpperTail = (k: number, mu: number): number => {
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a whole number ≥ 0, not ${k}`);
  if (!Number.isFinite(mu) || mu < 0) throw new RangeError(`mu must be a finite number ≥ 0, not ${mu}`);
  if (k === 0) return 1;
  if (mu === 0) return 0;
  if (k > mu) {
    // Terms fall from i = k on: start from the log of the k-th term, then t(i+1) = t(i)·mu/(i+1).
    let logTerm = -mu + k * Math.log(mu);
    for (let i = 2; i <= k; i++) logTerm -= Math.log(i);
    let term = Math.exp(logTerm);
    let sum = 0;
    for (let i = k; term > 0 && term > sum * 1e-17; i++) {
      sum += term;
      term *= mu / (i + 1);
    }
    return Math.min(1, sum);
  }
  // k ≤ mu: the tail is large; 1 − the lower sum is accurate here.
  let term = Math.exp(-mu);
  let lower = 0;
  for (let i = 0; i < k; i++) {
    lower += term;
    term *= mu / (i + 1);
  }
  return Math.max(0, 1 - lower);
};

export interface SignalThresholds {
  /** Fewest reports on a batch that can raise a signal (default 3). */
  readonly minReports: number;
  /** One-sided significance level (default 0.01). */
  readonly alpha: number;
}

export const DEFAULT_SIGNAL_THRESHOLDS: SignalThresholds = { minReports: 3, alpha: 0.01 };

export interface SignalCounts {
  /** Reports linked to the batch (each report once, however many of its doses). */
  readonly reports: number;
  /** Valid doses of the batch, counted across every province that synced them. */
  readonly doses: number;
}

export interface SignalEvaluation {
  readonly raise: boolean;
  readonly ratePer100k: number | null;
  readonly baselineRatePer100k: number | null;
  /** Reports expected on the batch at the other batches' rate (ZERO_REPORTS_BASELINE when they had none); null without a baseline. */
  readonly expected: number | null;
  /** One-sided Poisson p-value; null without a baseline (no other batch with doses). */
  readonly pValue: number | null;
}

const per100k = (reports: number, doses: number): number | null => (doses > 0 ? (reports / doses) * 100_000 : null);

/**
 * Reports counted on the other batches when they had none: half a report (the Jeffreys
 * estimate of a Poisson rate from a zero count). No report in n doses does not mean a rate of
 * zero; it means a rate of about 1/n or less, known better the larger n is. Taking zero at face
 * value made the expected count 0 and p 0, so three reports on any batch raised a signal when
 * its product's other batches had a single dose between them.
 */
export const ZERO_REPORTS_BASELINE = 0.5;

/**
 * The signal rule: at least `minReports` reports and p < `alpha` against the product's other
 * batches. Without other batches' doses there is nothing to compare with, and no signal is
 * raised (the count alone is not evidence of a bad batch).
 */
export const evaluateSignal = (
  batch: SignalCounts,
  others: SignalCounts,
  thresholds: SignalThresholds = DEFAULT_SIGNAL_THRESHOLDS,
): SignalEvaluation => {
  const ratePer100k = per100k(batch.reports, batch.doses);
  const baselineRatePer100k = per100k(others.reports, others.doses);
  if (others.doses <= 0 || batch.doses <= 0) return { raise: false, ratePer100k, baselineRatePer100k, expected: null, pValue: null };
  const expected = (batch.doses * (others.reports > 0 ? others.reports : ZERO_REPORTS_BASELINE)) / others.doses;
  const pValue = poissonUpperTail(batch.reports, expected);
  return { raise: batch.reports >= thresholds.minReports && pValue < thresholds.alpha, ratePer100k, baselineRatePer100k, expected, pValue };
};
