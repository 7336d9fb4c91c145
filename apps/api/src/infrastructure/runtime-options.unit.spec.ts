import { runtimeOptionsFromEnv } from './runtime-options';

describe('runtime options from the environment', () => {
  it('keeps the defaults when nothing is set', () => {
    expect(runtimeOptionsFromEnv({})).toEqual({});
  });

  it('reads every schema and the consumer group, for several nodes on one database', () => {
    expect(
      runtimeOptionsFromEnv({
        EVENT_SCHEMA: 'a_es',
        READ_SCHEMA: 'a_rm',
        VAULT_SCHEMA: 'a_vault',
        AUTH_SCHEMA: 'a_auth',
        SYNC_SCHEMA: 'a_sync',
        SYNC_GROUP_ID: 'a-group',
      }),
    ).toEqual({
      eventSchema: 'a_es',
      readSchema: 'a_rm',
      vaultSchema: 'a_vault',
      authSchema: 'a_auth',
      syncSchema: 'a_sync',
      syncGroupId: 'a-group',
    });
  });
});
