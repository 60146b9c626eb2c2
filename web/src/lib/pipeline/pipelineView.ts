// What the pipeline page draws, computed from GET /api/v1/pipeline: the stages
// in the order data flows, the rates on the edges between them, the per-
// partition backlog and lag, the WAL's disk against its budget and the last
// hour of each edge's rate. Pure functions, so each is tested on its own.
import type { components } from '../../api/openapi.gen';

export type Instance = components['schemas']['Instance'];
export type PartitionStatus = components['schemas']['PartitionStatus'];
export type PartitionReplica = components['schemas']['PartitionReplica'];
export type InstanceState = Instance['state'];

// The stages in the order spans flow through them; auth serves the gateway and
// the api from the side and is drawn apart.
export const FLOW = ['gateway', 'wal', 'indexer', 'api'] as const;
export type FlowStage = (typeof FLOW)[number];

// The counter each stage's outgoing work is measured by (what the stages publish).
export const FLOW_COUNTER: Record<FlowStage, string> = {
  gateway: 'spans_acked',
  wal: 'items_appended',
  indexer: 'spans_indexed',
  api: 'http_requests',
};

// The edge leaving each stage (the api's has none: it answers people).
export const EDGE_LABEL: Partial<Record<FlowStage, string>> = {
  gateway: 'accepted',
  wal: 'appended',
  indexer: 'indexed',
};

// What people call each stage (plural where a deployment may run several).
const STAGE_TITLE: Record<string, string> = { gateway: 'Gateways', wal: 'WAL', indexer: 'Indexers', api: 'API', auth: 'Auth' };

export function stageTitle(stage: string): string {
  return STAGE_TITLE[stage] ?? stage;
}

export function byStage(instances: Instance[]): Map<string, Instance[]> {
  const groups = new Map<string, Instance[]>();
  for (const instance of [...instances].sort((a, b) => a.instance.localeCompare(b.instance))) {
    groups.set(instance.stage, [...(groups.get(instance.stage) ?? []), instance]);
  }
  return groups;
}

// The worst state among a stage's instances decides nothing: one live instance keeps a stage serving.
export function stageState(instances: Instance[]): InstanceState {
  if (instances.some((i) => i.state === 'up')) return 'up';
  if (instances.some((i) => i.state === 'stale')) return 'stale';
  return 'down';
}

// Sum over live instances of a counter's current rate (a down instance's last rate is history).
export function stageRate(instances: Instance[], counter: string): number {
  return instances.filter((i) => i.state !== 'down').reduce((sum, i) => sum + (i.rates_per_second[counter] ?? 0), 0);
}

// Per-interval rates from columns of counter samples; null where a sample is missing or the counter went back (restart).
export function ratesFromColumns(unixMs: number[], values: (number | null)[] | undefined): (number | null)[] {
  const out: (number | null)[] = [];
  if (!values) return out;
  for (let i = 1; i < values.length; i++) {
    const a = values[i - 1];
    const b = values[i];
    const dt = (unixMs[i] - unixMs[i - 1]) / 1000;
    out.push(a === null || b === null || dt <= 0 || b < a ? null : (b - a) / dt);
  }
  return out;
}

// A stage's rate over the last hour, one point a minute, its instances summed
// (aligned from the newest sample back: they are sampled a minute apart each).
export function hourRates(instances: Instance[], counter: string): (number | null)[] {
  const series = instances.map((i) => (i.hour ? ratesFromColumns(i.hour.unix_ms, i.hour.counters[counter]) : []));
  const length = Math.max(0, ...series.map((s) => s.length));
  const out: (number | null)[] = [];
  for (let k = length; k > 0; k--) {
    let sum: number | null = null;
    for (const s of series) {
      const v = s[s.length - k];
      if (v !== undefined && v !== null) sum = (sum ?? 0) + v;
    }
    out.push(sum);
  }
  return out;
}

export interface PartitionRow {
  partition: number;
  instance: string;
  walHead: number | null;
  indexedTo: number | null;
  backlog: number | null;
  lagSeconds: number | null;
}

// One row per partition an indexer reports (gauges "<name>.p<n>"), by partition.
export function partitionRows(instances: Instance[]): PartitionRow[] {
  const rows: PartitionRow[] = [];
  for (const instance of instances) {
    if (instance.stage !== 'indexer' || instance.state === 'down') continue;
    const gauge = (name: string, p: number) => instance.gauges[`${name}.p${p}`] ?? null;
    for (const name of Object.keys(instance.gauges)) {
      const match = /^committed_sequence\.p(\d+)$/.exec(name);
      if (!match) continue;
      const p = Number(match[1]);
      rows.push({
        partition: p,
        instance: instance.instance,
        walHead: gauge('wal_head', p),
        indexedTo: gauge('committed_sequence', p),
        backlog: gauge('lag_entries', p),
        lagSeconds: gauge('lag_seconds', p),
      });
    }
  }
  return rows.sort((a, b) => a.partition - b.partition || a.instance.localeCompare(b.instance));
}

export interface OwnershipRow {
  partition: number;
  wal: string | null;
  epoch: number | null;
  moves: number | null;
  replicas: PartitionReplica[];
  // The lowest lag among live replicas that answer queries (ready or leaving): the freshest answer a query can get.
  lagSeconds: number | null;
  // Live replicas that answer queries; 0 means queries for this partition come back partial.
  serving: number;
}

// One row per partition from the api's ownership view (owner WAL, epoch, moves, replicas).
export function ownershipRows(partitions: PartitionStatus[]): OwnershipRow[] {
  return partitions.map((p) => {
    const serving = p.replicas.filter((r) => r.alive && r.state !== 'building');
    const lags = serving.map((r) => r.lag_seconds).filter((lag): lag is number => lag !== null);
    return {
      partition: p.partition,
      wal: p.wal,
      epoch: p.epoch,
      moves: p.moves,
      replicas: p.replicas,
      lagSeconds: lags.length ? Math.min(...lags) : null,
      serving: serving.length,
    };
  });
}

export interface WalDisk {
  instance: string;
  used: number;
  budget: number;
  fraction: number;
}

export function walDisk(instances: Instance[]): WalDisk[] {
  return instances
    .filter((i) => i.stage === 'wal' && i.gauges.disk_bytes !== undefined && (i.gauges.disk_budget_bytes ?? 0) > 0)
    .map((i) => ({
      instance: i.instance,
      used: i.gauges.disk_bytes,
      budget: i.gauges.disk_budget_bytes,
      fraction: i.gauges.disk_bytes / i.gauges.disk_budget_bytes,
    }));
}

// "just now", "12 s ago", "3 min ago", "2 h ago".
export function heardAgo(silentMs: number): string {
  const s = Math.round(silentMs / 1000);
  if (s < 2) return 'just now';
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}
