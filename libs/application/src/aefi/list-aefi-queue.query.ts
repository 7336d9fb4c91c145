import { type Actor, personRecordRead } from '@vaxledger/domain';
import { type AefiQueuePage, type AefiQueueSort, listAefiQueue, type PageRequest, type ProvinceFilter } from '@vaxledger/projections';
import { accessedAt, type AuditedReadDeps } from '../audit/audited-reads';
import { type AccessContext, recordAccesses } from '../audit/record-access';

/** Which queue: every report awaiting acknowledgement, or only those past their deadline. */
export type AefiQueueKind = 'open' | 'overdue';

/**
 * ListAefiQueue: one page of the AEFI reports awaiting acknowledgement in the caller's
 * jurisdiction (`provinces`, the edge's answer), or of those overdue at `now`. Each report ties a
 * person to a health event, as one report read does (ReadAefiReport), so every person on the
 * page is in the access trail (PersonRecordRead, once per person however many of their reports
 * the page shows) before the page is answered; an empty page records nothing.
 */
export class ListAefiQueueQuery {
  constructor(private readonly deps: AuditedReadDeps) {}

  async handle(
    kind: AefiQueueKind,
    provinces: ProvinceFilter,
    request: PageRequest<AefiQueueSort>,
    now: string,
    actor: Actor,
    context: AccessContext,
  ): Promise<AefiQueuePage> {
    const at = new Date(now);
    const page = await listAefiQueue(this.deps.reads, kind === 'overdue' ? { overdueAt: at } : {}, provinces, request, at);
    const persons = [...new Set(page.items.flatMap((r) => (r.personId ? [r.personId] : [])))];
    const when = accessedAt(this.deps);
    // One entry per person, as the single read writes it, so a person's trail reads the same
    // whichever screen showed them; written in one append, and the page waits for it.
    await recordAccesses(
      this.deps.store,
      this.deps.provinceCode,
      actor,
      context,
      persons.map((personId) => personRecordRead({ personId, purpose: context.purpose, accessedAt: when })),
    );
    return page;
  }
}
