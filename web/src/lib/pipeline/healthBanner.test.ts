import { describe, expect, it } from 'vitest';
import { bannerFor, type HealthCondition } from './healthBanner';

const down: HealthCondition = {
  kind: 'stage_down',
  severity: 'error',
  stage: 'indexer',
  instance: '',
  partition: null,
  value: 12,
  threshold: 5,
  message: 'indexer is down: last heard 12 s ago',
};
const lag: HealthCondition = {
  kind: 'index_lag',
  severity: 'warning',
  stage: 'indexer',
  instance: 'i1',
  partition: 3,
  value: 45,
  threshold: 30,
  message: 'indexing of partition 3 (i1) is 45 s behind (warning past 30 s)',
};

describe('bannerFor', () => {
  it('shows nothing when healthy', () => {
    expect(bannerFor([])).toBeNull();
    expect(bannerFor(undefined)).toBeNull();
  });

  it('names the stage that is down, as an error, with every message', () => {
    const banner = bannerFor([down, lag])!;
    expect(banner.severity).toBe('error');
    expect(banner.title).toBe('Pipeline down: indexer is not running');
    expect(banner.details).toEqual([down.message, lag.message]);
  });

  it('warns when only thresholds are crossed', () => {
    const banner = bannerFor([lag])!;
    expect(banner.severity).toBe('warning');
    expect(banner.title).toBe('Pipeline needs attention: 1 warning');
  });
});
