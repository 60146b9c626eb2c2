import { describe, expect, it } from 'vitest';
import { byStage, hourRates, heardAgo, stageTitle, ownershipRows, partitionRows, ratesFromColumns, stageRate, stageState, walDisk, type Instance } from './pipelineView';
import { partitions } from './__fixtures__/pipelinePartitions';

function instance(stage: string, name: string, extra: Partial<Instance> = {}): Instance {
  return {
    stage,
    instance: name,
    pid: 1,
    alive: true,
    state: 'up',
    last_seen_unix_ms: 0,
    silent_ms: 300,
    info: {},
    counters: {},
    gauges: {},
    rates_per_second: {},
    ...extra,
  };
}

describe('pipelineView', () => {
  it('groups instances by stage, sorted by name', () => {
    const groups = byStage([instance('gateway', 'g2'), instance('wal', 'w'), instance('gateway', 'g1')]);
    expect(groups.get('gateway')!.map((i) => i.instance)).toEqual(['g1', 'g2']);
    expect(groups.get('wal')!.length).toBe(1);
  });

  it('one live instance keeps a stage up; all down is down', () => {
    expect(stageState([instance('gateway', 'a', { state: 'down' }), instance('gateway', 'b')])).toBe('up');
    expect(stageState([instance('gateway', 'a', { state: 'down' }), instance('gateway', 'b', { state: 'stale' })])).toBe('stale');
    expect(stageState([instance('gateway', 'a', { state: 'down' })])).toBe('down');
  });

  it('sums the rate of live instances only', () => {
    const live = instance('gateway', 'a', { rates_per_second: { spans_acked: 10 } });
    const down = instance('gateway', 'b', { state: 'down', rates_per_second: { spans_acked: 99 } });
    expect(stageRate([live, live, down], 'spans_acked')).toBe(20);
  });

  it('turns counter columns into rates, with gaps for missing samples and restarts', () => {
    expect(ratesFromColumns([0, 1000, 2000, 3000, 4000], [0, 10, null, 30, 5])).toEqual([10, null, null, null]);
    expect(ratesFromColumns([0, 60000], [0, 600])).toEqual([10]);
    expect(ratesFromColumns([0], undefined)).toEqual([]);
  });

  it("sums the instances' hour from the newest minute back", () => {
    const a = instance('gateway', 'a', { hour: { unix_ms: [0, 60000, 120000], counters: { spans_acked: [0, 60, 180] } } });
    const b = instance('gateway', 'b', { hour: { unix_ms: [60000, 120000], counters: { spans_acked: [0, 600] } } });
    expect(hourRates([a, b], 'spans_acked')).toEqual([1, 12]);
    expect(hourRates([instance('gateway', 'c')], 'spans_acked')).toEqual([]);
  });

  it('lists each partition an indexer reports, in order, leaving out down indexers', () => {
    const i1 = instance('indexer', 'i1', {
      gauges: { 'committed_sequence.p2': 90, 'wal_head.p2': 100, 'lag_entries.p2': 10, 'lag_seconds.p2': 1.5, 'committed_sequence.p0': 5 },
    });
    const gone = instance('indexer', 'i0', { state: 'down', gauges: { 'committed_sequence.p1': 1 } });
    const rows = partitionRows([i1, gone, instance('wal', 'w')]);
    expect(rows.map((r) => r.partition)).toEqual([0, 2]);
    expect(rows[1]).toEqual({ partition: 2, instance: 'i1', walHead: 100, indexedTo: 90, backlog: 10, lagSeconds: 1.5 });
    expect(rows[0].walHead).toBeNull();
  });

  it('says per partition its WAL, replicas, moves and the freshest lag a query can get', () => {
    const rows = ownershipRows(partitions);
    expect(rows.map((r) => [r.partition, r.wal, r.moves, r.epoch])).toEqual([
      [0, 'wal-a', 1, 3],
      [1, 'wal-a', 0, 1],
      [2, 'wal-b', null, null],
      [3, null, null, null],
    ]);
    // A building replica does not answer queries, so its lower lag does not count; a leaving one does.
    expect(rows[0]).toMatchObject({ serving: 2, lagSeconds: 0.4 });
    expect(rows[0].replicas.map((r) => r.state)).toEqual(['ready', 'leaving', 'building']);
    // A silent replica answers nothing: the partition's queries come back partial.
    expect(rows[1]).toMatchObject({ serving: 0, lagSeconds: null });
    expect(rows[2]).toMatchObject({ serving: 1, lagSeconds: null });
    expect(rows[3]).toMatchObject({ serving: 0, replicas: [] });
  });

  it('reads the WAL disk against its budget, only when both are published', () => {
    const wal = instance('wal', 'w', { gauges: { disk_bytes: 250, disk_budget_bytes: 1000 } });
    expect(walDisk([wal, instance('wal', 'old', { gauges: { disk_bytes: 1 } })])).toEqual([{ instance: 'w', used: 250, budget: 1000, fraction: 0.25 }]);
  });

  it('names stages as people do', () => {
    expect([stageTitle('wal'), stageTitle('api'), stageTitle('indexer'), stageTitle('playground')]).toEqual(['WAL', 'API', 'Indexers', 'playground']);
  });

  it('says when an instance was heard', () => {
    expect(heardAgo(400)).toBe('just now');
    expect(heardAgo(12_000)).toBe('12 s ago');
    expect(heardAgo(300_000)).toBe('5 min ago');
    expect(heardAgo(3 * 3_600_000)).toBe('3 h ago');
  });
});
