// The pipeline as it is, refreshed each second: a diagram of gateways -> WAL ->
// indexers -> api with each instance's state and the rates on the arrows (and
// their last hour), the WAL's disk against its budget, who holds each partition
// (its WAL, its replicas with state and lag, moves), backlog and lag per
// partition and indexer; then every stage instance's own figures, with the last minutes as
// small charts. An instance that stopped reporting turns red.
import { useApi } from '../api/useApi';
import type { Answer, Instance } from '../api/types';
import { Sparkline } from '../components/Sparkline';
import { PartitionOwnership } from '../components/pipeline/PartitionOwnership';
import { PartitionTable } from '../components/pipeline/PartitionTable';
import { PipelineDiagram } from '../components/pipeline/PipelineDiagram';
import { WalDiskBar } from '../components/pipeline/WalDiskBar';
import '../components/pipeline/pipeline.css';
import { ownershipRows, partitionRows, ratesFromColumns, walDisk } from '../lib/pipeline/pipelineView';
import { ErrorBox, Loading } from '../components/Status';
import { formatCount } from '../lib/format';
import { usePageTitle } from '../lib/usePageTitle';

// The counter that best says what each stage does, charted per second.
const HEADLINE: Record<string, string> = {
  gateway: 'spans_acked',
  wal: 'items_appended',
  indexer: 'spans_indexed',
  api: 'http_requests',
  auth: 'auth_requests',
};

function perPartition(values: Record<string, number>, prefix: string): [string, number][] {
  return Object.entries(values)
    .filter(([name]) => name.startsWith(`${prefix}.p`))
    .map(([name, value]) => [name.slice(prefix.length + 2), value] as [string, number])
    .sort((a, b) => Number(a[0]) - Number(b[0]));
}

function InstanceCard({ instance }: { instance: Instance }) {
  const headline = HEADLINE[instance.stage] ?? 'requests';
  const errors = Object.entries(instance.rates_per_second).filter(([name, rate]) => /error|rejected|refused/.test(name) && rate > 0);
  const heads = perPartition(instance.gauges, 'wal_head');
  const committed = perPartition(instance.gauges, 'committed_sequence');
  const lag = perPartition(instance.gauges, 'lag_seconds');
  return (
    <article className={`stage-card${instance.alive ? '' : ' down'}`} data-testid={`stage-${instance.stage}`} aria-label={`${instance.stage} ${instance.instance}`}>
      <header>
        <strong>{instance.stage}</strong> <span className="muted">{instance.instance}</span>
        <span className={instance.alive ? 'ok-text' : 'error-text'}>{instance.alive ? ' ● up' : ` ● silent ${Math.round(instance.silent_ms / 1000)} s`}</span>
      </header>
      <p>
        <span className="big" data-testid={`rate-${instance.stage}`}>{formatCount(instance.rates_per_second[headline] ?? 0)}</span> {headline.replace(/_/g, ' ')}/s
      </p>
      <Sparkline values={instance.history ? ratesFromColumns(instance.history.unix_ms, instance.history.counters[headline]) : []} label={`${headline} per second, last minutes`} />
      <dl>
        <dt>total {headline.replace(/_/g, ' ')}</dt>
        <dd data-testid={`total-${instance.stage}`}>{formatCount(instance.counters[headline] ?? 0)}</dd>
        {'bytes_in_flight' in instance.gauges && (
          <>
            <dt>bytes in flight</dt>
            <dd>{formatCount(instance.gauges.bytes_in_flight)}</dd>
          </>
        )}
        {'rss_bytes' in instance.gauges && (
          <>
            <dt>memory</dt>
            <dd>{formatCount(instance.gauges.rss_bytes / 1048576)} MiB</dd>
          </>
        )}
      </dl>
      {(heads.length > 0 || committed.length > 0) && (
        <table className="kv">
          <thead>
            <tr>
              <th>partition</th>
              <th className="num">WAL head</th>
              <th className="num">indexed to</th>
              <th className="num">waiting</th>
              <th className="num">lag s</th>
            </tr>
          </thead>
          <tbody>
            {(committed.length ? committed : heads).map(([p]) => (
              <tr key={p}>
                <td>{p}</td>
                <td className="num">{instance.gauges[`wal_head.p${p}`] ?? ''}</td>
                <td className="num">{instance.gauges[`committed_sequence.p${p}`] ?? ''}</td>
                <td className="num">{instance.gauges[`lag_entries.p${p}`] ?? ''}</td>
                <td className="num">{lag.find(([q]) => q === p)?.[1]?.toFixed(2) ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {errors.length > 0 && (
        <p className="error-text">
          {errors.map(([name, rate]) => `${name} ${formatCount(rate)}/s`).join(' · ')}
        </p>
      )}
    </article>
  );
}

export default function Pipeline() {
  usePageTitle('Pipeline');
  const { data, error } = useApi<Answer<'getPipeline'>>('/api/v1/pipeline', 1000);
  const order = ['gateway', 'wal', 'indexer', 'auth', 'api'];
  const instances = [...(data?.instances ?? [])].sort(
    (a, b) => order.indexOf(a.stage) - order.indexOf(b.stage) || a.instance.localeCompare(b.instance),
  );
  return (
    <section>
      <h1>Pipeline</h1>
      <ErrorBox error={error} />
      {!data && !error && <Loading />}
      {data && (
        <>
          <PipelineDiagram instances={data.instances} />
          {walDisk(data.instances).map((disk) => (
            <WalDiskBar key={disk.instance} disk={disk} warnFraction={data.thresholds.wal_disk_warn_fraction} />
          ))}
          <h2>Partitions</h2>
          <PartitionOwnership rows={ownershipRows(data.partitions)} lagWarnSeconds={data.thresholds.lag_warn_seconds} />
          <h3>Backlog per indexer</h3>
          <PartitionTable rows={partitionRows(data.instances)} lagWarnSeconds={data.thresholds.lag_warn_seconds} />
          <h2>Instances</h2>
        </>
      )}
      <div className="stage-grid">
        {instances.map((instance) => (
          <InstanceCard key={`${instance.stage}/${instance.instance}`} instance={instance} />
        ))}
      </div>
    </section>
  );
}
