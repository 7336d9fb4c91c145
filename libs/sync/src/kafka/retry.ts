/**
 * Retries a start-up step while the broker is still settling (a topic just created is not
 * yet known to every part of the broker: "does not host this topic-partition").
 */
export const retryWhileSettling = async <T>(what: string, step: () => Promise<T>, attempts = 20, delayMs = 500): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      const retriable =
        (error as { retriable?: boolean }).retriable === true || /topic-partition|leader|not available/i.test(String(error));
      if (!retriable || attempt >= attempts)
        throw new Error(`${what} failed after ${attempt} attempts: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
};
