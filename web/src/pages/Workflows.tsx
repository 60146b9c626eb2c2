// Junjo runs, newest first, filtered by name, service, status and type (all in
// the URL, so a filtered list can be shared and survives a reload), a page at a
// time with the api's cursor and no cap. Subflows are listed when the type
// filter asks for them, each with a link to the run it ran in.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useApi } from '../api/useApi';
import { useCursorPages } from '../api/useCursorPages';
import type { Answer, Run } from '../api/types';
import { Empty, ErrorBox, Loading, PartialWarning } from '../components/Status';
import { formatDuration, formatTime } from '../lib/format';
import {
  appendRuns,
  emptyMessage,
  fromUrlParams,
  isFiltered,
  NO_FILTER,
  parentRunPath,
  RUN_STATUSES,
  RUN_TYPES,
  runOutcome,
  runPath,
  toApiPath,
  toUrlParams,
  type RunsFilter,
} from '../lib/runsQuery';
import { usePageTitle } from '../lib/usePageTitle';

// The run page shows a run's outcome the same way.
export { runOutcome };

type Page = Answer<'listWorkflows'>;

export default function Workflows() {
  usePageTitle('Workflows');
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => fromUrlParams(params), [params]);
  const [name, setName] = useState(filter.name);
  useEffect(() => setName(filter.name), [filter.name]);
  const services = useApi<Answer<'listServices'>>('/api/v1/services');
  const pages = useCursorPages<Page, Run>((cursor) => toApiPath(filter, cursor), (page) => page.runs, appendRuns);

  // Selects apply at once, keeping a name typed but not yet submitted.
  const apply = (next: Partial<RunsFilter>) => setParams(toUrlParams({ ...filter, name, ...next }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply({});
  };
  const serviceNames = services.data?.services.map((s) => s.service) ?? [];
  if (filter.service && !serviceNames.includes(filter.service)) serviceNames.unshift(filter.service);
  const showParent = filter.type !== NO_FILTER.type;
  const runs = pages.items;

  return (
    <section>
      <h1>Workflow runs</h1>
      <form className="filters" onSubmit={submit} aria-label="Filter runs">
        <label>
          Name contains
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="any" aria-label="Name contains" />
        </label>
        <Choice
          label="Service"
          value={filter.service}
          any
          options={serviceNames.map((s) => ({ value: s, label: s }))}
          onChange={(service) => apply({ service })}
        />
        <Choice
          label="Status"
          value={filter.status}
          any
          options={RUN_STATUSES.map((s) => ({ value: s, label: s }))}
          onChange={(status) => apply({ status })}
        />
        <Choice label="Type" value={filter.type} options={RUN_TYPES} onChange={(type) => apply({ type })} />
        <button type="submit">Apply</button>
        {isFiltered(filter) && (
          <Link to="/workflows" onClick={() => setName('')}>
            Clear filters
          </Link>
        )}
      </form>
      <ErrorBox error={pages.error} />
      <PartialWarning answer={pages.last} />
      {pages.loading && runs.length === 0 && <Loading />}
      {!pages.loading && !pages.error && runs.length === 0 && <Empty>{emptyMessage(filter)}</Empty>}
      {runs.length > 0 && (
        <table className="table" data-testid="workflow-runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Service</th>
              <th>Started</th>
              <th className="num">Duration</th>
              <th className="num">Nodes</th>
              <th className="num">State changes</th>
              <th>Outcome</th>
              {showParent && <th>Ran in</th>}
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <RunRow key={run.run_id ?? run.trace_id + run.span_id} run={run} showParent={showParent} />
            ))}
          </tbody>
        </table>
      )}
      {runs.length > 0 && (
        <p className="muted" data-testid="runs-shown">
          {runs.length} {runs.length === 1 ? 'run' : 'runs'} shown, newest first{pages.hasMore ? '' : ' (all of them)'}.
        </p>
      )}
      {pages.hasMore && (
        <button type="button" onClick={pages.loadMore} disabled={pages.loading}>
          Load more
        </button>
      )}
    </section>
  );
}

// One filter as a menu; `any` adds the choice of no filter (the empty value).
function Choice<T extends string>(props: {
  label: string;
  value: T | '';
  any?: boolean;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value as T)} aria-label={props.label}>
        {props.any && <option value="">any</option>}
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function RunRow({ run, showParent }: { run: Run; showParent: boolean }) {
  const outcome = runOutcome(run);
  const parent = parentRunPath(run);
  return (
    <tr className={outcome === 'error' ? 'row-error' : undefined}>
      <td>
        <Link to={runPath(run)}>{run.name}</Link> <span className="muted">{run.span_type}</span>
      </td>
      <td>{run.service}</td>
      <td>{formatTime(run.start_ns)}</td>
      <td className="num">{formatDuration(run.duration_ns)}</td>
      <td className="num">{run.node_count}</td>
      <td className="num">{run.state_change_count}</td>
      <td>{outcome}</td>
      {showParent && <td>{parent ? <Link to={parent}>parent run</Link> : <span className="muted">-</span>}</td>}
    </tr>
  );
}
