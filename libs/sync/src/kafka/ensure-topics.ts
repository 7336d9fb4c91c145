import type { ITopicConfig, Kafka } from 'kafkajs';
import { retryWhileSettling } from './retry';

/**
 * Creates the topics that do not exist yet. Asking the broker to create an existing topic
 * works but makes kafkajs log an error on every start, which hides real ones.
 */
export const ensureTopics = async (kafka: Kafka, what: string, topics: readonly ITopicConfig[]): Promise<void> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await retryWhileSettling(what, async () => {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t, i) => !existing.has(t.topic) && topics.findIndex((u) => u.topic === t.topic) === i);
      if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
    });
  } finally {
    await admin.disconnect();
  }
};
