// LLM calls, tokens and latency per model and per service over time (the api's
// /api/v1/llm/usage), for OpenTelemetry GenAI and OpenInference spans alike.
import { useState } from 'react';
import { useApi } from '../api/useApi';
import type { Answer, UsagePoint, UsageTotals } from '../api/types';
import { SeriesChart } from '../components/SeriesChart';
import { Empty, ErrorBox, Loading, PartialWarning } from '../components/Status';
import { formatCount } from '../lib/format';

type Usage = Answer<'llmUsage'>;
type Totals = UsageTotals;

type Metric = 'calls' | 'tokens' | 'latency';

function value(point: Totals, metric: Metric): number {
  if (metric === 'calls') return point.calls;
  if (metric === 'tokens') return point.input_tokens + point.output_tokens;
  return point.latency_ms?.p50 ?? 0;
}

function TotalsTable({ rows, keyName }: { rows: (Totals & { name: string })[]; keyName: string }) {
  return (
    <table className="table">
      <thead>
        <tr>
          <th>{keyName}</th>
          <th className="num">Calls</th>
          <th className="num">Errors</th>
          <th className="num">Input tokens</th>
          <th className="num">Output tokens</th>
          <th className="num">p50 ms</th>
          <th className="num">p99 ms</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <td>{r.name}</td>
            <td className="num">{formatCount(r.calls)}</td>
            <td className="num">{r.errors || ''}</td>
            <td className="num">{formatCount(r.input_tokens)}</td>
            <td className="num">{formatCount(r.output_tokens)}</td>
            <td className="num">{r.latency_ms?.p50?.toFixed(1) ?? '-'}</td>
            <td className="num">{r.latency_ms?.p99?.toFixed(1) ?? '-'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function LlmUsage() {
  const [lookback, setLookback] = useState('24h');
  const [metric, setMetric] = useState<Metric>('calls');
  const { data, error, loading } = useApi<Usage>(`/api/v1/llm/usage?lookback=${lookback}`);
  const chart = (groups: { name: string; series: UsagePoint[] }[]) =>
    groups.slice(0, 8).map((g) => ({ name: g.name, points: g.series.map((p) => ({ t: p.bucket_start_ns, v: value(p, metric) })) }));
  return (
    <section>
      <h1>LLM usage</h1>
      <div className="toolbar">
        <label>
          Window{' '}
          <select value={lookback} onChange={(e) => setLookback(e.target.value)}>
            {['1h', '6h', '24h', '7d'].map((l) => (
              <option key={l} value={l}>
                last {l}
              </option>
            ))}
          </select>
        </label>
        <span className="tabs" role="tablist">
          {(['calls', 'tokens', 'latency'] as Metric[]).map((m) => (
            <button key={m} type="button" role="tab" aria-selected={metric === m} className={metric === m ? 'active' : ''} onClick={() => setMetric(m)}>
              {m === 'latency' ? 'latency p50 (ms)' : m}
            </button>
          ))}
        </span>
      </div>
      <ErrorBox error={error} />
      <PartialWarning answer={data} />
      {loading && !data && <Loading />}
      {data && data.by_model.length === 0 && <Empty>No LLM spans in this window (spans with gen_ai.* or llm.model_name attributes).</Empty>}
      {data && data.by_model.length > 0 && (
        <>
          <h2>By model</h2>
          <SeriesChart series={chart(data.by_model.map((m) => ({ name: m.model, series: m.series })))} fromNs={data.from_ns} toNs={data.to_ns} label={`${metric} per model`} />
          <TotalsTable rows={data.by_model.map((m) => ({ ...m, name: m.model }))} keyName="Model" />
          <h2>By service</h2>
          <SeriesChart series={chart(data.by_service.map((s) => ({ name: s.service, series: s.series })))} fromNs={data.from_ns} toNs={data.to_ns} label={`${metric} per service`} />
          <TotalsTable rows={data.by_service.map((s) => ({ ...s, name: s.service }))} keyName="Service" />
        </>
      )}
    </section>
  );
}
