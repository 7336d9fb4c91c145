import fc from 'fast-check';
import { evaluateSignal, poissonUpperTail } from './aefi-signal.statistics';

// Reference values of P(X ≥ k), X ~ Poisson(mu), computed outside this code base with mpmath
// at 50 significant digits as 1 − Σ_{i<k} e^{−mu} mu^i / i!.
const MPMATH: readonly [k: number, mu: number, tail: number][] = [
  [3, 0.1, 0.00015465307026467165],
  [3, 1.2, 0.12051290121636988],
  [10, 2, 4.6498075017263808e-5],
  [5, 5, 0.55950671493478759],
  [1, 0.001, 0.00099950016662500833],
  [50, 10, 1.8547268838697993e-19],
];

/** An independent method: the lower sum with factorials as exact BigInts, in 60-digit fixed point. */
const tailByExactSeries = (k: number, mu: number): number => {
  const SCALE = 10n ** 60n;
  const muScaled = BigInt(Math.round(mu * 1e12)); // mu with 12 decimals
  const muDen = 10n ** 12n;
  // e^{-mu} by its own series, in fixed point.
  let expNeg = 0n;
  let term = SCALE;
  for (let i = 1; i < 400; i++) {
    expNeg += term;
    term = (-term * muScaled) / muDen / BigInt(i);
  }
  let lower = 0n;
  let power = SCALE; // mu^i / i! in fixed point
  for (let i = 0; i < k; i++) {
    lower += (power * expNeg) / SCALE;
    power = (power * muScaled) / muDen / BigInt(i + 1);
  }
  return Number(SCALE - lower) / Number(SCALE);
};

describe('poissonUpperTail', () => {
  it.each(MPMATH)('P(X ≥ %i | mu = %d) matches the mpmath value', (k, mu, tail) => {
    expect(poissonUpperTail(k, mu) / tail).toBeCloseTo(1, 10);
  });

  it('agrees with an exact-arithmetic series on random small cases', () =>
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 50, max: 8_000 }), (k, milli) => {
        const mu = milli / 1000; // exactly representable in the reference's 12-decimal fixed point
        const independent = tailByExactSeries(k, mu);
        expect(Math.abs(poissonUpperTail(k, mu) - independent) / independent).toBeLessThan(1e-11);
      }),
    ));

  it('is 1 at k = 0 and 0 for mu = 0 and k ≥ 1', () => {
    expect(poissonUpperTail(0, 3)).toBe(1);
    expect(poissonUpperTail(1, 0)).toBe(0);
  });

  it('refuses a negative or fractional k and a negative mu', () => {
    expect(() => poissonUpperTail(-1, 1)).toThrow(RangeError);
    expect(() => poissonUpperTail(1.5, 1)).toThrow(RangeError);
    expect(() => poissonUpperTail(1, -0.1)).toThrow(RangeError);
  });
});

describe('evaluateSignal', () => {
  it('raises for 3 reports on 20 doses when the other 180 doses had 1 report (p ≈ 2.1e-4)', () => {
    const result = evaluateSignal({ reports: 3, doses: 20 }, { reports: 1, doses: 180 });
    expect(result.raise).toBe(true);
    expect(result.expected).toBeCloseTo(20 / 180, 12);
    expect(result.pValue! / 0.00021039294196957284).toBeCloseTo(1, 8);
    expect(result.ratePer100k).toBe(15_000);
    expect(result.baselineRatePer100k).toBeCloseTo(555.5556, 3);
  });

  it('does not raise for 2 reports however unlikely (fewer than the minimum)', () => {
    expect(evaluateSignal({ reports: 2, doses: 20 }, { reports: 0, doses: 100_000 }).raise).toBe(false);
  });

  it('does not raise for 3 reports when the other batches report at the same rate', () => {
    const result = evaluateSignal({ reports: 3, doses: 1_000 }, { reports: 27, doses: 9_000 });
    expect(result.pValue! / 0.57680991887315648).toBeCloseTo(1, 6);
    expect(result.raise).toBe(false);
  });

  it('reads no report on the other batches as a rate of half a report over their doses, not as zero', () => {
    // One other dose without a report says almost nothing: expected 3 × 0.5 / 1 = 1.5, p ≈ 0.19.
    const thin = evaluateSignal({ reports: 3, doses: 3 }, { reports: 0, doses: 1 });
    expect(thin).toMatchObject({ raise: false, expected: 1.5, baselineRatePer100k: 0 });
    expect(thin.pValue).toBeCloseTo(0.1912, 4);
    // 100,000 other doses without a report say a lot: expected 0.0001, p ≈ 1.7e-13.
    const thick = evaluateSignal({ reports: 3, doses: 20 }, { reports: 0, doses: 100_000 });
    expect(thick.raise).toBe(true);
    expect(thick.expected).toBeCloseTo(1e-4, 12);
    expect(thick.pValue!).toBeLessThan(1e-12);
  });

  it('does not raise without other batches to compare with', () => {
    expect(evaluateSignal({ reports: 5, doses: 10 }, { reports: 0, doses: 0 })).toMatchObject({ raise: false, pValue: null });
  });

  it('honours configured thresholds', () => {
    const batch = { reports: 3, doses: 1_000 };
    const others = { reports: 9, doses: 9_000 }; // expected 1, P(X ≥ 3) ≈ 0.0803
    expect(evaluateSignal(batch, others).raise).toBe(false);
    expect(evaluateSignal(batch, others, { minReports: 3, alpha: 0.1 }).raise).toBe(true);
    expect(evaluateSignal(batch, others, { minReports: 4, alpha: 0.1 }).raise).toBe(false);
  });
});
