// The small pipeline answer (no history): health conditions and gateway
// addresses, for the banner on every page and the exporter snippets.
import { useApi } from '../../api/useApi';
import type { Answer } from '../../api/types';

export const HEALTH_POLL_MS = 5000;

export function usePipelineHealth(refreshMs?: number) {
  return useApi<Answer<'getPipeline'>>('/api/v1/pipeline?history=0', refreshMs);
}
