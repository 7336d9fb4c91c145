import { type CommandAnswer } from '../kernel/command-answer';
import type { DoseInput } from './dose-decision';
import { firstDistinctGroup } from './distinct-group';
import { recordDoseGroup } from './dose-group';
import { type DoseTransactionDeps, recordDoseInOneTransaction } from './dose-in-one-transaction';

interface Waiting {
  readonly input: DoseInput;
  resolve(answer: CommandAnswer): void;
  reject(reason: unknown): void;
}

/** Doses per live group at the most: half the bulk path's groups, so that one group's wait stays short. */
export const LIVE_DOSE_GROUP_MAX = 32;

export interface LiveDoseGroupOptions {
  /** Dose transactions in flight at once; a dose that finds every one busy waits for the next group. */
  readonly slots: number;
  /** Doses in one group at the most (each takes a subtransaction id: at most 64, see DOSE_GROUP_SIZE). */
  readonly maxGroup: number;
  /** Told of each group written together (size ≥ 2), for the node's metrics. */
  readonly onGroup?: (doses: number) => void;
}

/**
 * Group commit for doses as they arrive (docs/adr/0034-live-dose-groups.md). A dose that finds a
 * free slot is written at once in its own transaction (recordDoseInOneTransaction: a quiet
 * clinic waits for nothing). When every slot is busy, doses wait; each slot that frees takes
 * the doses waiting (up to `maxGroup`, one per person and per idempotency key, the others
 * staying in order) and writes them as one group (recordDoseGroup: set-based reads and writes,
 * each dose's guards in a subtransaction of its own, one commit). Every dose gets the answer it
 * would have had alone: the same decision, the same refusal, a conflicting dose re-run alone.
 * Under load the round trips, system calls and commits of a transaction are shared by the group
 * instead of paid by every dose.
 */
export class LiveDoseGroups {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly deps: DoseTransactionDeps,
    private readonly options: LiveDoseGroupOptions,
  ) {}

  record(input: DoseInput): Promise<CommandAnswer> {
    if (this.inFlight < this.options.slots && this.waiting.length === 0) {
      this.inFlight++;
      return recordDoseInOneTransaction(this.deps, input).finally(() => this.release());
    }
    return new Promise<CommandAnswer>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
    });
  }

  private release(): void {
    this.inFlight--;
    while (this.inFlight < this.options.slots && this.waiting.length > 0) {
      const group = this.nextGroup();
      this.inFlight++;
      void this.write(group).finally(() => this.release());
    }
  }

  /** The waiting doses of the next group, in arrival order: one per person and per key. */
  private nextGroup(): Waiting[] {
    const { group, rest } = firstDistinctGroup(this.waiting, this.options.maxGroup);
    this.waiting.splice(0, this.waiting.length, ...rest);
    return group;
  }

  private async write(group: readonly Waiting[]): Promise<void> {
    if (group.length === 1) {
      const only = group[0]!;
      await recordDoseInOneTransaction(this.deps, only.input).then(only.resolve, only.reject);
      return;
    }
    this.options.onGroup?.(group.length);
    try {
      const answers = await recordDoseGroup(
        this.deps,
        group.map((g) => g.input),
      );
      answers.forEach((answer, k) => (answer.status === 'fulfilled' ? group[k]!.resolve(answer.value) : group[k]!.reject(answer.reason)));
    } catch (error) {
      for (const g of group) g.reject(error);
    }
  }
}
