/**
 * What `promise` gives if it settles within `ms`, else `fallback`; the timer goes as soon as either
 * comes. A rejection within the bound stays a rejection; `promise` itself is not cancelled.
 */
export async function withTimeout<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
