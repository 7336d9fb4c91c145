import { Controller, Get, Header, Inject, Param, Req } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type Actor, type DoseAdministered, personStream } from '@vaxledger/domain';
import type { DoseRow } from '@vaxledger/projections';
import { PERSON_ID_PATTERN } from '@vaxledger/privacy';
import type { Request } from 'express';
import { accessContextOf } from '../../audit/access-trail';
import { CurrentActor, Public, Roles } from '../../http/auth';
import { ApiError } from '../../http/problem';
import type { NodeRuntime } from '../../infrastructure/node-runtime';
import { APPLICATION, RUNTIME } from '../../infrastructure/tokens';
import type { Application } from '@vaxledger/application';
import { capabilityStatementOf, type DoseFacts, type FhirResource, immunizationOf, patientOf, searchsetOf } from './fhir-resources';
import { ReadsOwnQuery } from '../../http/undeclared-query.interceptor';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STARTED_AT = new Date().toISOString();

/** Unknown query parameters are refused, never ignored (as everywhere on this API). */
const onlyParams = (req: Request, allowed: readonly string[]): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.query)) {
    if (!allowed.includes(name))
      throw new ApiError('VALIDATION_FAILED', `unknown parameter ${name} (allowed: ${allowed.join(', ') || 'none'})`, [
        { field: name, reason: 'unknown parameter' },
      ]);
    if (typeof value !== 'string') throw new ApiError('VALIDATION_FAILED', `${name} given twice`, [{ field: name, reason: 'repeated' }]);
    out[name] = value;
  }
  if (out._format !== undefined && !['json', 'application/fhir+json', 'application/json'].includes(out._format))
    throw new ApiError('VALIDATION_FAILED', 'this server answers FHIR JSON only', [{ field: '_format', reason: 'unsupported format' }]);
  return out;
};

const checkPersonId = (personId: string, field: string): void => {
  if (!PERSON_ID_PATTERN.test(personId))
    throw new ApiError('VALIDATION_FAILED', `${field} is a 28-character pseudonym starting p1`, [{ field, reason: 'malformed' }]);
};

/**
 * FHIR R4 read endpoints over the person record. Same roles, jurisdiction rules and audit as
 * `GET /v1/persons/{personId}/record`: every answer that names a person is preceded by a
 * PersonRecordRead access event. Errors are problem+json with our stable codes, like the rest
 * of the API.
 */
@ApiTags('fhir')
@ReadsOwnQuery()
@Controller('fhir')
export class FhirController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: NodeRuntime,
    @Inject(APPLICATION) private readonly app: Application,
  ) {}

  private baseOf(req: Request): string {
    return `${req.protocol}://${req.get('host') ?? 'localhost'}/fhir`;
  }

  @Get('metadata')
  @Public()
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'FHIR CapabilityStatement: what this node serves' })
  metadata(@Req() req: Request): FhirResource {
    onlyParams(req, ['_format', 'mode']);
    return capabilityStatementOf(this.baseOf(req), STARTED_AT, process.env.npm_package_version ?? '0.1.0');
  }

  @Get('Patient/:personId')
  @Roles('clinic', 'cdc', 'hub')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({
    summary: 'The person, pseudonymous (identifier = pseudonym); ?details=true adds name, gender and birth date for clinics and CDCs',
  })
  @ApiQuery({
    name: 'details',
    required: false,
    enum: ['true', 'false'],
    description: 'true: name, sex and birth date from the vault (audited)',
  })
  @ApiQuery({ name: '_format', required: false, enum: ['json', 'application/fhir+json', 'application/json'] })
  async patient(@Param('personId') personId: string, @CurrentActor() actor: Actor, @Req() req: Request): Promise<FhirResource> {
    const query = onlyParams(req, ['_format', 'details']);
    checkPersonId(personId, 'personId');
    if (query.details !== undefined && query.details !== 'true' && query.details !== 'false')
      throw new ApiError('VALIDATION_FAILED', 'details is true or false', [{ field: 'details', reason: 'not a boolean' }]);
    const access = accessContextOf(req, actor, 'treatment');
    const { details } = await this.app.readPatient.handle(personId, query.details === 'true', actor, access);
    return patientOf(personId, details);
  }

  @Get('Immunization')
  @Roles('clinic', 'cdc', 'hub')
  @ApiQuery({
    name: 'patient',
    required: true,
    description: 'Patient/{personId} (or the bare personId)',
    example: 'Patient/p1aaaaaaaaaaaaaaaaaaaaaaaaaa',
  })
  @ApiQuery({ name: '_format', required: false, enum: ['json', 'application/fhir+json', 'application/json'] })
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'Search: every dose of one person from every origin, as a searchset Bundle (?patient=Patient/{personId})' })
  async search(@CurrentActor() actor: Actor, @Req() req: Request): Promise<FhirResource> {
    const query = onlyParams(req, ['_format', 'patient']);
    if (query.patient === undefined)
      throw new ApiError('VALIDATION_FAILED', 'patient is required (there is no listing of persons)', [
        { field: 'patient', reason: 'required' },
      ]);
    const personId = query.patient.replace(/^Patient\//, '');
    checkPersonId(personId, 'patient');
    const doses = await this.app.readImmunizations.ofPerson(personId, actor, accessContextOf(req, actor, 'treatment'));
    const resources = await this.immunizations(doses);
    const base = this.baseOf(req);
    return searchsetOf(base, `${base}/Immunization?patient=${encodeURIComponent(`Patient/${personId}`)}`, resources);
  }

  @Get('Immunization/:doseEventId')
  @Roles('clinic', 'cdc', 'hub')
  @Header('Content-Type', FHIR_JSON)
  @ApiOperation({ summary: 'One dose as an Immunization (its id is the DoseAdministered eventId)' })
  async immunization(@Param('doseEventId') doseEventId: string, @CurrentActor() actor: Actor, @Req() req: Request): Promise<FhirResource> {
    onlyParams(req, ['_format']);
    if (!UUID.test(doseEventId))
      throw new ApiError('VALIDATION_FAILED', 'the Immunization id is a dose event id (a lower-case UUID)', [
        { field: 'doseEventId', reason: 'malformed' },
      ]);
    const dose = await this.app.readImmunizations.oneDose(doseEventId, actor, accessContextOf(req, actor, 'treatment'));
    const [resource] = await this.immunizations([dose]);
    return resource!;
  }

  /** Route and body site live only in the dose events: read each person stream once. */
  private async immunizations(doses: readonly DoseRow[]): Promise<FhirResource[]> {
    const models = this.runtime.readModels;
    const streams = [...new Set(doses.map((d) => personStream(d.originProvince, d.personId)))];
    const events = new Map<string, DoseAdministered['data']>();
    for (const stream of streams)
      for (const e of await this.runtime.store.readStream(stream))
        if (e.type === 'DoseAdministered') events.set(e.eventId, e.data as DoseAdministered['data']);
    const cache = new Map<string, Promise<unknown>>();
    const once = <T>(key: string, load: () => Promise<T>): Promise<T> => {
      if (!cache.has(key)) cache.set(key, load());
      return cache.get(key) as Promise<T>;
    };
    return Promise.all(
      doses.map(async (d) => {
        const event = events.get(d.eventId);
        const facts: DoseFacts = {
          eventId: d.eventId,
          personId: d.personId,
          siteCode: d.siteCode,
          administeredAt: d.administeredAt,
          batchId: d.batchId,
          productCode: d.productCode,
          vaccineType: d.vaccineType,
          doseNumber: d.doseNumber,
          status: d.status,
          originProvince: d.originProvince,
          ...(event?.route ? { route: event.route } : {}),
          ...(event?.bodySite ? { bodySite: event.bodySite } : {}),
        };
        const [product, batch, site] = await Promise.all([
          once(`p:${d.productCode}`, () => models.product(d.productCode)),
          once(`b:${d.batchId}`, () => models.batch(d.batchId)),
          once(`o:${d.siteCode.slice(0, 18)}`, () => models.organisation(d.siteCode.slice(0, 18))),
        ]);
        const maker = batch ? await once(`o:${batch.mahOrgCode}`, () => models.organisation(batch.mahOrgCode)) : null;
        return immunizationOf(facts, { product, batch, site: site && site.orgCode === d.siteCode ? site : null, maker });
      }),
    );
  }
}
