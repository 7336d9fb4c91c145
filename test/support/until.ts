/** Polls `test` until it holds, or fails naming what it waited for (eventually consistent reads). */
export const until = async (what: string, test: () => Promise<boolean>, ms = 60_000, everyMs = 100): Promise<void> => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await test()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
};
