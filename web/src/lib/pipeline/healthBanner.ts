// The banner's words from the api's health conditions (GET /api/v1/pipeline?history=0).
import type { components } from '../../api/openapi.gen';

export type HealthCondition = components['schemas']['HealthCondition'];

export interface Banner {
  severity: 'error' | 'warning';
  title: string;
  details: string[];
}

export function bannerFor(conditions: HealthCondition[] | undefined): Banner | null {
  if (!conditions || conditions.length === 0) return null;
  const errors = conditions.filter((c) => c.severity === 'error');
  const severity = errors.length > 0 ? 'error' : 'warning';
  const down = errors.filter((c) => c.kind === 'stage_down').map((c) => c.stage);
  const title =
    down.length > 0
      ? `Pipeline down: ${down.join(', ')} ${down.length === 1 ? 'is' : 'are'} not running`
      : `Pipeline needs attention: ${conditions.length} ${conditions.length === 1 ? 'warning' : 'warnings'}`;
  return { severity, title, details: conditions.map((c) => c.message) };
}
