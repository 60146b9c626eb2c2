// An agent run's token usage: one row per model request (a click opens its
// span), then the total, with where the total comes from.
import type { AgentRunUsage } from '../api/types';
import { usageSource, usageTable, type TimelineRow } from '../lib/agentRun';

export function AgentUsageTable({ rows, total, onOpen }: { rows: TimelineRow[]; total: AgentRunUsage; onOpen: (spanId: string) => void }) {
  const table = usageTable(rows, total);
  if (table.fields.length === 0) return <p className="muted">No usage reported.</p>;
  return (
    <div className="agent-usage">
      <table className="table" data-testid="agent-usage-table">
        <thead>
          <tr>
            <th>Tokens</th>
            {table.fields.map((f) => (
              <th key={f.key} className="num">
                {f.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row) => (
            <tr key={row.spanId ?? 'total'} className={row.spanId ? undefined : 'total'} data-testid={row.spanId ? 'agent-usage-request' : 'agent-usage-table-total'}>
              <th>
                {row.spanId ? (
                  <button type="button" className="link" onClick={() => onOpen(row.spanId!)}>
                    {row.label}
                  </button>
                ) : (
                  row.label
                )}
              </th>
              {table.fields.map((f) => (
                <td key={f.key} className="num">
                  {row.usage?.[f.key] ?? '–'}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">Total {usageSource(total)}.</p>
    </div>
  );
}
