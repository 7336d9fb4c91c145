import type { NodeRuntime } from '../../api/src/infrastructure/node-runtime';
import { PROJECTIONS, projectionNamed } from '@vaxledger/projections';

/**
 * Rebuilds read models from position 0: empties their tables and replays the whole log,
 * printing progress. The projector must not run elsewhere meanwhile.
 */
export const rebuildProjections = async (runtime: NodeRuntime, names: readonly string[], log: (line: string) => void): Promise<void> => {
  const chosen = names.includes('all')
    ? PROJECTIONS
    : names.map((name) => {
        const projection = projectionNamed(name);
        if (!projection) throw new Error(`unknown projection ${name}; known: all, ${PROJECTIONS.map((p) => p.name).join(', ')}`);
        return projection;
      });
  const { store, readModels } = runtime;
  for (const projection of chosen) await readModels.runner.reset(projection);
  const head = await store.headPosition();
  const started = Date.now();
  let applied = 0;
  let lastReport = 0;
  const total = Number(head);
  // Rebuilt tables are filled without their secondary indexes, built once at the end.
  const stats = await readModels.runner.replay({
    batchSize: 5000,
    onBatch: (events, position) => {
      applied += events;
      if (Date.now() - lastReport > 1000) {
        lastReport = Date.now();
        const rate = Math.round(applied / ((Date.now() - started) / 1000));
        const share = total > 0 ? Math.min(100, Math.round((Number(position) / total) * 100)) : 100;
        log(`rebuild ${chosen.map((p) => p.name).join(',')}: ${applied} events, ${share}% of the log, ${rate} events/s`);
      }
    },
  });
  const seconds = (Date.now() - started) / 1000;
  log(
    `rebuilt ${chosen.map((p) => p.name).join(', ')} from ${stats.events} events in ${seconds.toFixed(1)} s (${Math.round(stats.events / Math.max(seconds, 0.001))} events/s); now at position ${stats.position}`,
  );
};
