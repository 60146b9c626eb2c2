// The logic of a Junjo stable link's page (pages/Resolve.tsx), apart from React:
// which api path to ask with how long it has been asking, and how long to wait
// before asking again (backoff: 1 s doubling to 10 s, never past the api's bound,
// so the last ask lands when the api gives up and answers 404).
import type { components } from '../api/openapi.gen';

export type ResolvedExecutable = components['schemas']['ResolvedExecutable'];
export type ExecutableNotYetSeen = components['schemas']['ExecutableNotYetSeen'];

// What a link may carry that the api reads; anything else on the link (a tracking
// parameter, say) is left out rather than refused.
export const LINK_PARAMETERS = ['service_name', 'executable_type', 'runtime_id', 'service_namespace'] as const;

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 10_000;
const MIN_DELAY_MS = 250;

export function resolveApiPath(link: URLSearchParams, waitedMs: number): string {
  const query = new URLSearchParams();
  for (const name of LINK_PARAMETERS) {
    const value = link.get(name);
    if (value !== null) query.set(name, value);
  }
  query.set('waited_ms', String(Math.max(0, Math.floor(waitedMs))));
  return `/api/v1/resolve/executable?${query.toString()}`;
}

// The wait before ask number `attempt` + 1 (attempt 0 was the first ask).
export function retryDelayMs(attempt: number, waitedMs: number, givesUpAfterMs: number | undefined): number {
  const backoff = Math.min(FIRST_DELAY_MS * 2 ** Math.max(0, attempt), MAX_DELAY_MS);
  if (givesUpAfterMs === undefined) return backoff;
  return Math.max(MIN_DELAY_MS, Math.min(backoff, givesUpAfterMs - waitedMs));
}

export function isFound(answer: ResolvedExecutable | ExecutableNotYetSeen): answer is ResolvedExecutable {
  return answer.state === 'found';
}
