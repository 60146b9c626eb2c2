// Backlog and lag per partition: how far each indexer is behind the WAL.
import { formatCount } from '../../lib/format';
import { ScrollTable } from './ScrollTable';
import type { PartitionRow } from '../../lib/pipeline/pipelineView';

export function PartitionTable({ rows, lagWarnSeconds }: { rows: PartitionRow[]; lagWarnSeconds: number }) {
  if (rows.length === 0) return <p className="muted">No indexer reports partitions.</p>;
  return (
    <ScrollTable
      testId="partition-table"
      columns={[['partition', true], ['indexer', false], ['WAL head', true], ['indexed to', true], ['backlog', true], ['lag', true]]}
    >
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
    </ScrollTable>
  );
}
