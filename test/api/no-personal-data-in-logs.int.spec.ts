import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { loadSettings } from '@vaxledger/config';
import request from 'supertest';
import { createApiApp } from '../../apps/api/src/app';
import { type NodeRuntime, openNodeRuntime } from '../../apps/api/src/infrastructure/node-runtime';
import { freshSchema, testDatabaseUrl } from '../support/database';
import { AS, ORGS } from '../support/api-harness';

// With logging on at debug level, a dose (accepted and refused), a dose file and a lookup leave the ID
// number, the name and the birth date in no log line and in no event.
describe('logs and events carry no personal identifiers', () => {
  let runtime: NodeRuntime;
  let app: INestApplication;
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);

  beforeAll(async () => {
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    const settings = {
      ...loadSettings({ PSEUDONYM_SECRET: 'vaxledger-test-pepper-do-not-use', LOG_LEVEL: 'debug' }),
      databaseUrl: testDatabaseUrl(),
      vaultMasterKey: randomBytes(32),
    };
    runtime = await openNodeRuntime(settings, {
      eventSchema: freshSchema('log_es'),
      readSchema: freshSchema('log_rm'),
      vaultSchema: freshSchema('log_vault'),
    });
    app = await createApiApp(runtime);
    await app.init();
  }, 60_000);

  afterAll(async () => {
    process.stdout.write = write;
    await app?.close();
    await runtime?.close();
  });

  it('never writes the ID number, name or birth date', async () => {
    const person = { idType: 'RESIDENT_ID', idNumber: '51010420230115123X', name: '王小明', birthDate: '2023-01-15', sex: 'M' };
    const http = request(app.getHttpServer());
    await http
      .post('/v1/organisations')
      .set(AS.regulator)
      .send({ orgCode: ORGS.clinic, name: 'Clinic', kind: 'clinic', provinceCode: '440000' });
    const refused = await http.post('/v1/doses').set(AS.clinic).send({
      person,
      batchId: '8696321-NOPE',
      doseNumber: 1,
      administeredAt: new Date().toISOString(),
      route: 'IM',
      vaccinatorRef: 'V-1',
    });
    expect(refused.status).toBe(404);
    const malformed = await http
      .post('/v1/doses')
      .set(AS.clinic)
      .send({ person: { ...person, idNumber: '510104202301151230' }, extra: 1 });
    expect(malformed.status).toBe(400);
    // The same person in a dose file: a row refused by the rules, a row with a bad ID number, a malformed row.
    const imported = await http
      .post('/v1/doses/import')
      .set(AS.clinic)
      .set('content-type', 'text/csv')
      .send(
        [
          'idType,idNumber,name,birthDate,sex,batchId,doseNumber,administeredAt,route,vaccinatorRef',
          `RESIDENT_ID,${person.idNumber},${person.name},${person.birthDate},M,8696321-NOPE,1,${new Date().toISOString()},IM,V-1`,
          `RESIDENT_ID,510104202301151230,${person.name},${person.birthDate},M,8696321-NOPE,1,${new Date().toISOString()},IM,V-1`,
          `RESIDENT_ID,${person.idNumber},${person.name},${person.birthDate},X,8696321-NOPE,1,yesterday,IM,V-1`,
        ].join('\n'),
      );
    expect(imported.body.summary).toMatchObject({
      refused: 3,
      refusedByCode: { UNKNOWN_BATCH: 1, INVALID_PERSON_ID: 1, VALIDATION_FAILED: 1 },
    });
    const lookup = await http.post('/v1/persons/lookup').set(AS.clinic).send({ idType: 'RESIDENT_ID', idNumber: person.idNumber });
    expect(lookup.body.personId).toBe('p1tz62ri4byn76xi7ekedhqwttwe');
    for (const body of [refused.text, malformed.text, imported.text, lookup.text]) expect(body).not.toContain(person.idNumber);
    const logged = lines.join('');
    expect(logged).toContain('"msg":"request"');
    for (const secret of [person.idNumber, '510104202301151230', person.name, person.birthDate]) expect(logged).not.toContain(secret);
    const events = JSON.stringify(await runtime.store.readAll({ after: 0n, limit: 1000 }), (_k, v: unknown) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    for (const secret of [person.idNumber, person.name, person.birthDate]) expect(events).not.toContain(secret);
  });
});
