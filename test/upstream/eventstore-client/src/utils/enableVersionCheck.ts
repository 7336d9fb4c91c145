// THE SHIM (ours): upstream's jest environment of the same path asks a docker node for its
// ServerFeatures; this one asks the KurrentDB double, through the same client call.
import { EventStoreDBClient } from '@eventstore/db-client';
import { TestEnvironment } from 'jest-environment-node';
import { startKurrentDbDouble } from '../../../../support/kurrentdb/kurrentdb-double';

class DoubleVersionEnvironment extends TestEnvironment {
  override async setup(): Promise<void> {
    await super.setup();
    const double = await startKurrentDbDouble();
    const client = EventStoreDBClient.connectionString(double.url);
    try {
      const { capabilities } = client as unknown as { capabilities: Promise<{ serverVersion: string }> };
      (this.global as Record<string, unknown>).capabilities = await capabilities;
    } finally {
      await client.dispose();
      await double.stop();
    }
  }
}

export = DoubleVersionEnvironment;
