import { kafkaClientSecurity, type Settings } from '@vaxledger/config';
import type { EventStore } from '@vaxledger/event-store';
import {
  EnvelopeSigner,
  forwardTopic,
  HistoryService,
  HUB_PROVINCE,
  HubRouter,
  InboxConsumer,
  OutboxRelay,
  LogCheckpointer,
  SyncStore,
  TrustList,
} from '@vaxledger/sync';
import { Kafka, logLevel } from 'kafkajs';
import type { Pool } from 'pg';
import { kafkaLogCreator, kafkaLogger } from './kafka-log';
import type { NodeActivity } from './node-activity';
import type { RuntimeOptions } from './runtime-options';

export interface NodeSync {
  readonly relay: OutboxRelay;
  readonly inbox: InboxConsumer;
  readonly store: SyncStore;
  /** Records from elsewhere on demand (history requests and answers). */
  readonly history: HistoryService;
  /** Only on the national hub (PROVINCE_CODE=000000, SYNC_MODE=hub). */
  readonly hub: HubRouter | null;
  /** Signs this province's log after the fact (ADR 0019); only with a signing key. */
  readonly checkpointer: LogCheckpointer | null;
}

/**
 * Starts the sync role over Kafka: the relay of this province's streams, the inbox of what it
 * reads, the hub router on the national hub, history requests, and the log checkpointer when
 * it signs (ADR 0019).
 */
export const startNodeSync = async (
  settings: Settings,
  options: RuntimeOptions,
  { store, pool, activity }: { store: EventStore; pool: Pool; activity: NodeActivity },
): Promise<NodeSync> => {
  const kafka = new Kafka({
    clientId: `vaxledger-${settings.provinceCode}`,
    brokers: [...settings.kafkaBrokers],
    logLevel: logLevel.WARN,
    logCreator: kafkaLogCreator(kafkaLogger(settings.logLevel)),
    ...kafkaClientSecurity(settings.kafkaSecurity),
  });
  // Signing and checking are each on when configured (both required outside the embedded default).
  const signer = settings.syncSigningKey ? new EnvelopeSigner(settings.syncSigningKey) : null;
  const trustList = settings.syncTrustList ? new TrustList(settings.syncTrustList) : null;
  const syncStore = new SyncStore(pool, options.syncSchema ?? 'sync');
  await syncStore.migrate();
  // Every node publishes its own streams to its own topic. What it reads depends on the mode
  // (ARCHITECTURE.md §3): peer: the partners' topics; hub (the 000000 node): every served
  // province's topic, and it forwards; hub or direct (a province): the hub's forward topic.
  const isHub = settings.provinceCode === HUB_PROVINCE && settings.syncMode === 'hub';
  const viaHub = settings.provinceCode !== HUB_PROVINCE && settings.syncMode !== 'peer';
  const prefix = settings.syncTopicPrefix;
  const relay = new OutboxRelay(kafka, store, syncStore, {
    provinceCode: settings.provinceCode,
    topicPrefix: settings.syncTopicPrefix,
    ...(signer ? { signer } : {}),
    onPublished: (count) => {
      activity.emit('syncMessages', 'out', count);
      options.onRelayPublished?.(count);
    },
  });
  const inbox = new InboxConsumer(kafka, store, syncStore, {
    provinceCode: settings.provinceCode,
    origins: viaHub ? [] : settings.syncPeers,
    topicPrefix: settings.syncTopicPrefix,
    ...(viaHub ? { topics: [forwardTopic(settings.provinceCode, prefix)] } : {}),
    ...(options.syncGroupId ? { groupId: options.syncGroupId } : {}),
    ...(trustList ? { trustList } : {}),
    onReceived: (count) => activity.emit('syncMessages', 'in', count),
    onDeadLetter: (reason) => activity.emit('syncDeadLetter', reason),
  });
  await relay.start();
  if (viaHub || settings.syncPeers.length > 0) await inbox.start();
  const hub = isHub
    ? new HubRouter(kafka, syncStore, {
        served: settings.syncPeers,
        topicPrefix: prefix,
        ...(options.syncGroupId ? { groupId: `${options.syncGroupId}-hub-router` } : {}),
      })
    : null;
  await hub?.start();
  const history = new HistoryService(
    kafka,
    store,
    syncStore,
    relay,
    {
      provinceCode: settings.provinceCode,
      mode: isHub ? 'hub' : viaHub ? 'via-hub' : 'peer',
      peers: settings.syncPeers,
      topicPrefix: prefix,
      ...(options.syncGroupId ? { groupId: `${options.syncGroupId}-history` } : {}),
    },
    hub,
  );
  await history.start();
  // Off the append path: reads the committed log behind the appends and signs it (ADR 0019).
  const checkpointer = signer
    ? new LogCheckpointer(store, {
        provinceCode: settings.provinceCode,
        signer,
        everyEvents: settings.logCheckpoint.everyEvents,
        everyMs: settings.logCheckpoint.intervalMs,
        onError: (error) => activity.emit('logCheckpointFailed', error),
      })
    : null;
  checkpointer?.start();
  return { relay, inbox, store: syncStore, history, hub, checkpointer };
};
