import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@vaxledger/domain';
import type { Request, Response } from 'express';
import { CurrentActor, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { RUNTIME } from '../../infrastructure/tokens';
import { CBV_VERSION, EPCIS_VERSION, queryDocumentOf, type SupplyEvent, toEpcisEvent } from './epcis-events';
import { DEFAULT_PER_PAGE, eventIdMatch, MAX_PER_PAGE, pageToken, parseEventQuery } from './epcis-query';
import { type FoundSupplyEvent, findSupplyEvents } from './supply-event-query';
import { ReadsOwnQuery } from '../../http/undeclared-query.interceptor';

const asSupplyEvent = ({ row, deliveryNoteNo }: FoundSupplyEvent): SupplyEvent => ({
  eventId: row.eventId,
  type: row.type,
  action: row.action,
  bizStep: row.bizStep,
  disposition: row.disposition,
  eventTimeText: row.eventTimeText,
  recordedAt: new Date(row.recordedAt),
  site: row.site,
  data: row.data,
  voidedAt: row.voidedAt ? new Date(row.voidedAt) : null,
  voidReason: row.voidReason,
  epcisEventId: row.epcisEventId ?? null,
  deliveryNoteNo,
});

const send = (res: Response, document: unknown): void => {
  res.setHeader('GS1-EPCIS-Version', EPCIS_VERSION);
  res.setHeader('GS1-CBV-Version', CBV_VERSION);
  res.status(200).type('application/ld+json').send(JSON.stringify(document));
};

/**
 * EPCIS 2.0 query interface (REST binding, JSON-LD): our supply-chain facts, also those entered
 * through /v1, as ObjectEvents; doses only as pseudonymous `dispensing` events; persons and AEFI
 * never. Mapping and reach: docs/interop/epcis.md.
 */
@ApiTags('epcis')
@ReadsOwnQuery()
@Controller('epcis')
export class EpcisQueryController {
  constructor(@Inject(RUNTIME) private readonly runtime: NodeRuntime) {}

  @Get('events')
  @Roles('regulator', 'manufacturer', 'cdc', 'clinic')
  @ApiQuery({
    name: 'EQ_bizStep',
    required: false,
    description: 'CBV business step, e.g. shipping, receiving, commissioning',
    isArray: true,
    type: String,
  })
  @ApiQuery({
    name: 'EQ_disposition',
    required: false,
    description: 'CBV disposition, e.g. in_transit, recalled',
    isArray: true,
    type: String,
  })
  @ApiQuery({ name: 'MATCH_epc', required: false, description: 'An instance EPC (SGTIN URN) in the event', isArray: true, type: String })
  @ApiQuery({
    name: 'MATCH_anyEPC',
    required: false,
    description: 'An EPC in any role (child, input, output)',
    isArray: true,
    type: String,
  })
  @ApiQuery({ name: 'MATCH_epcClass', required: false, description: 'A class EPC (LGTIN URN): the batch', isArray: true, type: String })
  @ApiQuery({ name: 'GE_eventTime', required: false, description: 'Events at or after this instant', type: String })
  @ApiQuery({ name: 'LT_eventTime', required: false, description: 'Events before this instant', type: String })
  @ApiQuery({
    name: 'EQ_eventID',
    required: false,
    description: 'eventIDs: urn:uuid:… (ours), or the eventID a partner captured an event with',
    isArray: true,
    type: String,
  })
  @ApiQuery({
    name: 'EQ_bizLocation',
    required: false,
    description: 'Site URNs (urn:epc:id:sgln:… or the node’s site URIs)',
    isArray: true,
    type: String,
  })
  @ApiQuery({
    name: 'EQ_bizTransaction_desadv',
    required: false,
    description: 'Delivery notes (https://id.vaxledger.example/desadv/{sender}/{number}): the dispatch and its receipts',
    isArray: true,
    type: String,
  })
  @ApiQuery({
    name: 'EQ_bizTransaction_po',
    required: false,
    description: 'Purchase orders (https://id.vaxledger.example/po/{receiver}/{number}): the dispatches naming them',
    isArray: true,
    type: String,
  })
  @ApiQuery({
    name: 'perPage',
    required: false,
    description: `Events per page, 1–${MAX_PER_PAGE} (default ${DEFAULT_PER_PAGE})`,
    type: Number,
  })
  @ApiQuery({ name: 'nextPageToken', required: false, description: 'From the Link header of the previous page', type: String })
  @ApiOperation({
    summary:
      'EPCIS SimpleEventQuery: EQ_bizStep, EQ_disposition, MATCH_epc, MATCH_anyEPC, MATCH_epcClass, GE/LT_eventTime, EQ_eventID, EQ_bizLocation, EQ_bizTransaction_desadv/po; perPage and nextPageToken',
  })
  async events(@CurrentActor() actor: Actor, @Req() req: Request, @Res() res: Response): Promise<void> {
    const parsed = parseEventQuery(req.query as Record<string, unknown>);
    if ('errors' in parsed)
      throw new ApiError('VALIDATION_FAILED', 'the EPCIS query has parameters this repository cannot answer', parsed.errors);
    const { rows, more } = await findSupplyEvents(this.runtime.readModels, actor, parsed.criteria);
    if (more) {
      // The same query, repeated parameters included, from the last event of this page on.
      const next = new URLSearchParams();
      for (const [name, value] of Object.entries(req.query as Record<string, unknown>))
        if (name !== 'nextPageToken') for (const v of Array.isArray(value) ? value : [value]) next.append(name, String(v));
      next.set('nextPageToken', pageToken(BigInt(rows[rows.length - 1]!.row.position)));
      res.setHeader('Link', `</epcis/events?${next.toString()}>; rel="next"`);
    }
    send(
      res,
      queryDocumentOf(
        rows.map((r) => toEpcisEvent(asSupplyEvent(r))),
        new Date().toISOString(),
      ),
    );
  }

  @Get('events/:eventID')
  @Roles('regulator', 'manufacturer', 'cdc', 'clinic')
  @ApiOperation({
    summary: 'One event by its EPCIS eventID (urn:uuid:…, or the eventID a partner captured it with), as an EPCISQueryDocument',
  })
  async event(@Param('eventID') eventID: string, @CurrentActor() actor: Actor, @Req() req: Request, @Res() res: Response): Promise<void> {
    if (Object.keys(req.query).length > 0) throw new ApiError('VALIDATION_FAILED', 'this resource takes no query parameters');
    const m = eventIdMatch(eventID);
    if (!m)
      throw new ApiError('VALIDATION_FAILED', 'an eventID is a URI (urn:uuid:{uuid}, or the one a partner captured the event with)', [
        { field: 'eventID', reason: 'malformed' },
      ]);
    const { rows } = await findSupplyEvents(this.runtime.readModels, actor, {
      eventIds: m.ledgerId ? [m.ledgerId] : [],
      epcisEventIds: [m.epcisEventId],
      perPage: 1,
      after: 0n,
    });
    // Outside the caller's reach reads exactly like unknown.
    if (rows.length === 0) throw new ApiError('NOT_FOUND', `no event ${eventID}`);
    send(res, queryDocumentOf([toEpcisEvent(asSupplyEvent(rows[0]!))], new Date().toISOString()));
  }
}
