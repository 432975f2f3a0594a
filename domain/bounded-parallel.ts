/** Runs `work` over every item, at most `limit` at a time, in the items' order; resolves when all are done. */
export async function boundedParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const next = async (): Promise<void> => {
    const item = queue.shift();
    if (item === undefined) return;
    await work(item);
    return next();
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, next));
}
