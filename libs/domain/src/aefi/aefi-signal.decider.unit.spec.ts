import { deciderSpec } from '../testing/decider-spec';
import { actor, NOW, REGULATOR } from '../testing/fixtures';
import { aefiSignalDecider, type AefiSignalRaised, type EvaluateBatchSignal } from './aefi-signal.decider';
import { DEFAULT_SIGNAL_THRESHOLDS } from './aefi-signal.statistics';

const evaluate = (reports: number): EvaluateBatchSignal => ({
  type: 'EvaluateBatchSignal',
  data: { signalId: 'sig-1', batchId: '8696321-L3', productCode: '8696321' },
  context: {
    now: NOW,
    actor: actor('regulator', REGULATOR),
    batch: { reports, doses: 20 },
    others: { reports: 1, doses: 180 },
    thresholds: DEFAULT_SIGNAL_THRESHOLDS,
  },
});

describe('a batch signal, when none was raised', () => {
  const given = deciderSpec(aefiSignalDecider)([]);
  it('raises one at 3 unlikely reports', () => {
    const [raised] = aefiSignalDecider.decide(evaluate(3), given.state());
    expect(raised).toMatchObject({ type: 'AefiSignalRaised', data: { batchId: '8696321-L3', reports: 3, doses: 20, raisedAt: NOW } });
  });
  it('raises nothing at 2 reports', () => given.when(evaluate(2)).then([]));
});

describe('a batch signal, when one was raised', () => {
  const raised = aefiSignalDecider.decide(evaluate(3), aefiSignalDecider.initialState())[0] as AefiSignalRaised;
  const given = deciderSpec(aefiSignalDecider)([raised]);
  it('never raises a second one', () => given.when(evaluate(5)).then([]));
});
