// Who holds each partition: the WAL that owns its log and the indexers that
// replicate its index, each with its state (building, ready, leaving) and lag,
// and how often the partition's replicas moved. A partition with no live
// replica that answers is marked: its queries come back partial.
import type { OwnershipRow, PartitionReplica } from '../../lib/pipeline/pipelineView';
import { ScrollTable } from './ScrollTable';

function ReplicaChip({ replica }: { replica: PartitionReplica }) {
  const lag = replica.lag_seconds === null ? '' : ` · ${replica.lag_seconds.toFixed(1)} s`;
  return (
    <span
      className={`pl-chip pl-chip-${replica.state}${replica.alive ? '' : ' pl-chip-silent'}`}
      data-testid="replica-chip"
      title={replica.committed === null ? undefined : `committed up to sequence ${replica.committed}`}
    >
  {replica.instance} <span className="pl-chip-state">{replica.alive ? replica.state : `${replica.state}, silent`}</span>
  {lag}
</span>
  );
}

export function PartitionOwnership({ rows, lagWarnSeconds }: { rows: OwnershipRow[]; lagWarnSeconds: number }) {
  if (rows.length === 0) return <p className="muted">No WAL has announced its partitions yet.</p>;
  return (
    <ScrollTable
      testId="ownership-table"
      columns={[['partition', true], ['WAL', false], ['replicas', false], ['lag', true], ['moves', true], ['epoch', true]]}
    >
      {rows.map((row) => (
        <tr
          key={row.partition}
          data-testid="ownership-row"
          className={row.serving === 0 || (row.lagSeconds !== null && row.lagSeconds > lagWarnSeconds) ? 'pl-lagging' : undefined}
        >
          <td className="num">{row.partition}</td>
          <td className="pl-nowrap">{row.wal ?? '–'}</td>
          <td className="pl-chips">
            {row.replicas.map((replica) => (
              <ReplicaChip key={replica.instance} replica={replica} />
            ))}
            {row.serving === 0 && <span className="error-text">no live replica answers</span>}
          </td>
          <td className="num">{row.lagSeconds === null ? '–' : `${row.lagSeconds.toFixed(1)} s`}</td>
          <td className="num">{row.moves ?? '–'}</td>
          <td className="num">{row.epoch ?? '–'}</td>
        </tr>
      ))}
    </ScrollTable>
  );
}
