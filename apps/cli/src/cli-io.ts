/**
 * Output for the CLI: lines on stdout that survive a reader that went away (`| head -1`
 * closes the pipe: the command stops quietly with status 0, as Unix tools do), and the
 * running node's API for the commands that must not open a store the node holds.
 */
let stdoutClosed = false;

export const guardClosedPipe = (): void => {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      stdoutClosed = true;
      process.exit(0);
    }
    throw error;
  });
};

export const print = (line: string): void => {
  if (!stdoutClosed) process.stdout.write(`${line}\n`);
};

export const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));

export const fail = (message: string): void => {
  process.stderr.write(`vaxledger: ${message}\n`);
};

/** The running node's /health answer, or null when nothing answers at `baseUrl`. */
export const nodeHealth = async (baseUrl: string): Promise<Record<string, unknown> | null> => {
  try {
    const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
    if (res.status !== 200 && res.status !== 503) return null;
    return (await res.json()) as Record<string, unknown>;
  } catch {
    return null;
  }
};
