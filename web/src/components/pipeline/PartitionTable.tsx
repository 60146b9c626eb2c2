// Backlog and lag per partition: how far each indexer is behind the WAL.
import { formatCount } from '../../lib/format';
import type { PartitionRow } from '../../lib/pipeline/pipelineView';

export function PartitionTable({ rows, lagWarnSeconds }: { rows: PartitionRow[]; lagWarnSeconds: number }) {
  if (rows.length === 0) return <p className="muted">No indexer reports partitions.</p>;
  return (
    <div className="pl-scroll">
      <table className="table pl-partitions" data-testid="partition-table">
        <thead>
          <tr>
            <th className="num">partition</th>
            <th>indexer</th>
            <th className="num">WAL head</th>
            <th className="num">indexed to</th>
            <th className="num">backlog</th>
            <th className="num">lag</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={`${row.partition}/${row.instance}`}
              data-testid="partition-row"
              className={row.lagSeconds !== null && row.lagSeconds > lagWarnSeconds ? 'pl-lagging' : undefined}
            >
              <td className="num">{row.partition}</td>
              <td>{row.instance}</td>
              <td className="num">{row.walHead ?? '–'}</td>
              <td className="num">{row.indexedTo ?? '–'}</td>
              <td className="num">{row.backlog === null ? '–' : formatCount(row.backlog)}</td>
              <td className="num">{row.lagSeconds === null ? '–' : `${row.lagSeconds.toFixed(1)} s`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
