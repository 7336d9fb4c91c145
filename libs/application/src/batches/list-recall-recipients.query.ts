import { type Actor, recallImpactExported } from '@vaxledger/domain';
import { type ListScope, listRecipients, type PageRequest, type RecipientPage, type RecipientSort } from '@vaxledger/projections';
import { accessedAt, type AuditedReadDeps } from '../audit/audited-reads';
import { type AccessContext, recordAccess } from '../audit/record-access';

/**
 * ListRecallRecipients: one page of the people dosed from a batch (pseudonymous), within the rows
 * the caller may see (`scope`, the edge's answer); a page of people is answered only once it is
 * in the access trail (RecallImpactExported, with how many persons it listed).
 */
export class ListRecallRecipientsQuery {
  constructor(private readonly deps: AuditedReadDeps) {}

  async handle(
    batchId: string,
    scope: ListScope,
    request: PageRequest<RecipientSort>,
    actor: Actor,
    context: AccessContext,
  ): Promise<RecipientPage> {
    const page = await listRecipients(this.deps.reads, batchId, scope, request);
    await recordAccess(
      this.deps.store,
      this.deps.provinceCode,
      actor,
      context,
      recallImpactExported({
        batchId,
        purpose: context.purpose,
        accessedAt: accessedAt(this.deps),
        format: 'json',
        // Distinct people on this page: a person dosed twice from the batch is one person.
        persons: new Set(page.items.map((item) => item.personId)).size,
      }),
    );
    return page;
  }
}
