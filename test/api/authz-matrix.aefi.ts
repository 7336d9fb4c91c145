import type { Response } from 'supertest';
import type { ApiHarness } from '../support/api-harness';

// The AEFI rows of the authorisation matrix (authz-matrix.int.spec.ts reads the columns there):
// a report by the own (Sichuan) clinic about its dose, made in the matrix's set-up.

const PERSON = { idType: 'RESIDENT_ID', idNumber: '510104199003071237' };
const minutesAgo = (m: number): string => new Date(Date.now() - m * 60_000).toISOString();

interface Ids {
  readonly doseEventId: string;
  readonly aefiReportId: string;
}

export const aefiBody = (ids: Ids, person: { idType: string; idNumber: string }, onsetAt: string): Record<string, unknown> => ({
  person: { idType: person.idType, idNumber: person.idNumber },
  doseEventIds: [ids.doseEventId],
  discoveredAt: minutesAgo(5),
  onsetAt,
  signs: ['fever_38_5'],
  serious: false,
  cluster: false,
  outcome: 'recovering',
});

export const aefiEndpoints = (
  ids: Ids,
  batchId: string,
): {
  name: string;
  expect: string;
  call: (api: ApiHarness, as: Record<string, string>) => Promise<Response>;
  ok?: (res: Response) => boolean;
  hidden?: (res: Response) => boolean;
}[] => [
  {
    name: 'POST /v1/aefi (about the own clinic’s dose, voided meanwhile, so refused by the rules)',
    expect: '403 403 403 | 403 403 403 | ok ok ok | ok ok ok | 403',
    call: (api, as) =>
      api.http
        .post('/v1/aefi')
        .set(as)
        .send(aefiBody(ids, PERSON, minutesAgo(60))),
    ok: (res) => res.status === 409 && res.body.code === 'DOSE_ALREADY_VOIDED',
  },
  {
    name: 'GET /v1/aefi (queue: the report of a Sichuan dose, not yet acknowledged)',
    expect: 'ok ok hidden | 403 403 403 | ok ok hidden | 403 403 403 | 403',
    call: (api, as) => api.http.get('/v1/aefi').set(as),
    ok: (res) => res.status === 200 && (res.body.items as { reportId: string }[]).some((r) => r.reportId === ids.aefiReportId),
    hidden: (res) => res.status === 200 && (res.body.items as { reportId: string }[]).length === 0,
  },
  {
    name: 'GET /v1/aefi/{reportId}',
    expect: 'ok ok 404 | 403 403 403 | ok ok 404 | ok 404 404 | 403',
    call: (api, as) => api.http.get(`/v1/aefi/${ids.aefiReportId}`).set(as),
  },
  {
    name: 'GET /v1/aefi/overdue',
    expect: 'ok ok ok | 403 403 403 | ok ok ok | 403 403 403 | 403',
    call: (api, as) => api.http.get('/v1/aefi/overdue').set(as),
  },
  {
    name: 'POST /v1/aefi/{reportId}/acknowledgement',
    expect: '403 403 403 | 403 403 403 | ok ok 404 | 403 403 403 | 403',
    call: (api, as) => api.http.post(`/v1/aefi/${ids.aefiReportId}/acknowledgement`).set(as).send({}),
  },
  {
    name: 'POST /v1/aefi/{reportId}/classification',
    expect: 'ok ok 404 | 403 403 403 | ok ok 404 | 403 403 403 | 403',
    call: (api, as) => api.http.post(`/v1/aefi/${ids.aefiReportId}/classification`).set(as).send({ aefiClass: 'coincidental' }),
  },
  {
    name: 'GET /v1/aefi/signals',
    expect: 'ok ok ok | ok ok ok | 403 403 403 | 403 403 403 | 403',
    call: (api, as) => api.http.get('/v1/aefi/signals').set(as),
  },
  {
    name: 'GET /v1/batches/{batchId}/aefi',
    expect: 'ok ok 404 | ok 404 404 | ok ok 404 | 403 403 403 | 403',
    call: (api, as) => api.http.get(`/v1/batches/${batchId}/aefi`).set(as),
  },
];
