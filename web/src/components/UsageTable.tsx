// One row per model group (or service) with its calls, errors, tokens, cost and
// latency percentiles over the window, and a totals line. The table scrolls inside
// its own box, so a phone's page never widens.
import { Link } from 'react-router-dom';
import {
  costCoverage,
  costFigures,
  errorText,
  foldedNames,
  formatNumber,
  formatValue,
  latency,
  sumTotals,
  type OptionalTokens,
  type Sums,
  type Totals,
} from '../lib/usageSeries';
import { seriesColor } from './seriesColors';

export interface UsageRow {
  name: string;
  totals: Totals;
  colorIndex: number;
}

const OPTIONAL_COLUMNS: { key: OptionalTokens; title: string }[] = [
  { key: 'cache_read_tokens', title: 'Cache read' },
  { key: 'cache_write_tokens', title: 'Cache write' },
  { key: 'reasoning_tokens', title: 'Reasoning' },
];

export function UsageTable(props: {
  label: string;
  keyTitle: string; // the first column: Model group, Service
  rows: UsageRow[];
  reported: Record<OptionalTokens, boolean>; // token kinds some call reported
  percentiles: string[]; // p50, p90, p99 ...
  filterLink: (name: string) => string; // the view narrowed to this row
  testId: string;
}) {
  const { rows, percentiles } = props;
  const optional = OPTIONAL_COLUMNS.filter((c) => props.reported[c.key]);
  const folds = rows.some((r) => foldedNames(r.totals).length > 0);
  const total = sumTotals(rows.map((r) => r.totals));
  return (
    <div className="usage-table-wrap" role="region" aria-label={props.label} tabIndex={0}>
      <table className="table usage-table" data-testid={props.testId}>
        <thead>
          <tr>
            <th>{props.keyTitle}</th>
            {folds && <th>Models (request / response)</th>}
            <th className="num">Calls</th>
            <th className="num">Errors</th>
            <th className="num">Input tokens</th>
            <th className="num">Output tokens</th>
            <th className="num">Total tokens</th>
            {optional.map((c) => (
              <th key={c.key} className="num">
                {c.title} tokens
              </th>
            ))}
            <th className="num">Cost</th>
            <th>Cost from</th>
            {percentiles.map((p) => (
              <th key={p} className="num">
                Latency {p}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name}>
              <td className="usage-name">
                <span className="usage-swatch" style={{ background: seriesColor(r.colorIndex) }} aria-hidden="true" />
                <Link to={props.filterLink(r.name)} title={`Only ${r.name}`}>
                  {r.name}
                </Link>
              </td>
              {folds && <td className="usage-folds">{foldedNames(r.totals).join(', ')}</td>}
              <SumCells sums={r.totals} optional={optional} />
              {percentiles.map((p) => (
                <td key={p} className="num">
                  {formatValue('ms', latency(r.totals, p))}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        {rows.length > 1 && (
          <tfoot>
            <tr className="usage-total">
              <th scope="row">All {rows.length}</th>
              {folds && <td />}
              <SumCells sums={total} optional={optional} />
              {percentiles.map((p) => (
                <td key={p} className="num muted" title="Percentiles of different groups do not add up; filter to one group for its own">
                  –
                </td>
              ))}
            </tr>
          </tfoot>
        )}
      </table>
    </div>
  );
}

// The cells that add up, the same for a group's row and the totals line: calls,
// errors, tokens, cost ("no price" when none) and which calls the cost covers.
function SumCells({ sums, optional }: { sums: Sums; optional: { key: OptionalTokens }[] }) {
  const cost = costFigures(sums);
  const tokens = [sums.input_tokens, sums.output_tokens, sums.total_tokens, ...optional.map((c) => sums[c.key] ?? 0)];
  return (
    <>
      <td className="num">{formatNumber(sums.calls)}</td>
      <td className="num error-text">{errorText(sums.errors, sums.calls)}</td>
      {tokens.map((count, i) => (
        <td key={i} className="num">
          {formatNumber(count)}
        </td>
      ))}
      <td className={`num${cost.amount === null ? ' muted' : ''}`}>{formatValue('usd', cost.amount, 'no price')}</td>
      <td className="muted">{costCoverage(cost)}</td>
    </>
  );
}
