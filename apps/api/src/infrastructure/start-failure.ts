import { DataDirInUseError } from './data-dir-lock';
import { VaultKeyError } from './vault-master-key';

/** One line saying why a node (or a CLI command opening the store) could not start. */
export const startFailure = (error: unknown): string => {
  if (error instanceof DataDirInUseError)
    return `${error.message}: stop it first, or talk to it over its API (one process per data folder)`;
  if (error instanceof VaultKeyError) return `vault: ${error.message}`;
  return `cannot open the event store: ${error instanceof Error ? error.message : String(error)}`;
};
