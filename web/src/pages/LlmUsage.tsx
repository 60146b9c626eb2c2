// LLM calls, errors, tokens, cost and latency per model group and per service over
// time (the api's /api/v1/llm/usage, read from the indexers' llm_calls records).
// The view (range, filters, metric, scale) lives in the URL so it can be shared.
//
// Scales: the charts overlay every model group on one value axis, with a log-scale
// switch, rather than drawing one small chart per model. One axis keeps models
// comparable at a glance and lets one hover read every model's value for a bucket;
// the log scale keeps a 10-call series readable beside a 10,000-call one, and hiding
// a large series in the legend rescales the axis to what remains. Small multiples
// would cost a chart per model on a phone and make cross-model comparison harder.
import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useApi } from '../api/useApi';
import { SeriesChart } from '../components/SeriesChart';
import { Empty, ErrorBox, Loading, PartialWarning } from '../components/Status';
import { UsageFilters } from '../components/UsageFilters';
import { UsageTable } from '../components/UsageTable';
import { emptyMessage, fromUrlParams, rangeText, toApiPath, toUrlParams, type UsageView } from '../lib/usageQuery';
import {
  axisTitle,
  chartData,
  costFigures,
  DEFAULT_METRIC,
  errorText,
  formatNumber,
  formatValue,
  metricById,
  metricsFor,
  modelGroups,
  percentileKeys,
  reportedTokens,
  serviceGroups,
  sumTotals,
  type Metric,
  type Sums,
  type UsageAnswer,
  type UsageGroup,
} from '../lib/usageSeries';
import { usePageTitle } from '../lib/usePageTitle';

export default function LlmUsage() {
  usePageTitle('LLM usage');
  const [params, setParams] = useSearchParams();
  const view = useMemo(() => fromUrlParams(params), [params]);
  const query = params.toString();
  // "Now" is fixed per view, so the request (and its bucket) does not change on every render.
  const path = useMemo(() => toApiPath(view, Date.now()), [query]);
  const { data, error, loading, reload } = useApi<UsageAnswer>(path);
  const apply = (next: Partial<UsageView>) => setParams(toUrlParams({ ...view, ...next }));
  const linkTo = (next: Partial<UsageView>) => `?${toUrlParams({ ...view, ...next }).toString()}`;

  const models = data ? modelGroups(data) : [];
  const services = data ? serviceGroups(data) : [];
  const rows = models.map((g) => g.totals);
  const metrics = metricsFor(rows, view.metric);
  const metric = metricById(view.metric) ?? metricById(DEFAULT_METRIC)!;
  const seenModels = useSeenNames(models.map((g) => g.name));
  const seenServices = useSeenNames(services.map((g) => g.name));
  const shared = { reported: reportedTokens(rows), percentiles: percentileKeys(rows) };

  return (
    <section className="usage-page">
      <h1>LLM usage</h1>
      <UsageFilters view={view} services={seenServices} models={seenModels} metrics={metrics} onChange={apply} onRefresh={reload} />
      <ErrorBox error={error} />
      <PartialWarning answer={data} />
      {loading && !data && <Loading />}
      {loading && data && <p className="muted usage-updating" role="status">Updating…</p>}
      {data && models.length === 0 && <Empty>{emptyMessage(view)} LLM calls are spans with gen_ai.*, llm.* (OpenInference) or Junjo model attributes.</Empty>}
      {data && models.length > 0 && (
        <>
          <UsageSummary totals={sumTotals(rows)} range={rangeText(view)} />
          <h2>By model group</h2>
          <GroupChart label={`${metric.label} per model group`} answer={data} groups={models} metric={metric} scale={view.scale} testId="usage-chart-models" />
          <UsageTable label="Usage per model group" keyTitle="Model group" rows={indexed(models)} {...shared} filterLink={(model) => linkTo({ model })} testId="usage-models" />
          <h2>By service</h2>
          <GroupChart label={`${metric.label} per service`} answer={data} groups={services} metric={metric} scale={view.scale} testId="usage-chart-services" />
          <UsageTable label="Usage per service" keyTitle="Service" rows={indexed(services)} {...shared} filterLink={(service) => linkTo({ service })} testId="usage-services" />
        </>
      )}
    </section>
  );
}

// A group's colour is its place in the answer's order (sorted by name), the same in the chart and the table.
function indexed(groups: UsageGroup[]) {
  return groups.map((g, colorIndex) => ({ name: g.name, totals: g.totals, colorIndex }));
}

function GroupChart(props: { label: string; answer: UsageAnswer; groups: UsageGroup[]; metric: Metric; scale: UsageView['scale']; testId: string }) {
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const data = chartData(props.answer, props.groups, props.metric);
  const toggle = (name: string) =>
    setHidden((old) => {
      const next = new Set(old);
      if (!next.delete(name)) next.add(name);
      return next;
    });
  return (
    <SeriesChart
      label={props.label}
      valueTitle={axisTitle(props.metric, data.bucketMs)}
      starts={data.starts}
      bucketMs={data.bucketMs}
      lines={data.series.map((s, colorIndex) => ({ ...s, colorIndex }))}
      unit={props.metric.unit}
      scale={props.scale}
      hidden={hidden}
      onToggle={toggle}
      testId={props.testId}
    />
  );
}

// The window's figures in one line: what a reader checks first.
function UsageSummary({ totals, range }: { totals: Sums; range: string }) {
  const cost = costFigures(totals);
  const facts: [string, string][] = [
    ['Calls', formatNumber(totals.calls)],
    ['Errors', errorText(totals.errors, totals.calls) || '0'],
    ['Tokens', formatNumber(totals.total_tokens)],
    ['Cost', formatValue('usd', cost.amount, 'no price')],
  ];
  return (
    <dl className="usage-summary" data-testid="usage-summary" aria-label={`Totals in ${range}`}>
      {facts.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

// Names seen in this visit's answers, so a filter's menu keeps the others once one is chosen.
function useSeenNames(names: string[]): string[] {
  const [seen, setSeen] = useState<string[]>([]);
  const key = names.join('\n');
  useEffect(() => {
    setSeen((old) => {
      const all = new Set([...old, ...names]);
      return all.size === old.length ? old : [...all].sort();
    });
  }, [key]);
  return seen;
}
