// A page's first answer fetched before the page mounts: the app starts it when
// the route is known (at start, or on a click), and the page's useApi takes it
// instead of asking again. An answer not taken within PREFETCH_TTL_MS is
// dropped, so a later visit reads fresh data.
import { apiGet } from './client';

const PREFETCH_TTL_MS = 10_000;
const early = new Map<string, Promise<unknown>>();

export function prefetchApi(path: string): void {
  if (early.has(path)) return;
  const answer = apiGet<unknown>(path);
  early.set(path, answer);
  // A failure (say a 401 before signing in) is not kept: the page asks again.
  answer.catch(() => {
    if (early.get(path) === answer) early.delete(path);
  });
  globalThis.setTimeout(() => {
    if (early.get(path) === answer) early.delete(path);
  }, PREFETCH_TTL_MS);
}

// The started fetch for `path`, once; undefined when none was started.
export function takePrefetched<T>(path: string): Promise<T> | undefined {
  const answer = early.get(path);
  early.delete(path);
  return answer as Promise<T> | undefined;
}
