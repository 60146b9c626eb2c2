// Step through a run's state: the state after each change, the JSON patch that
// made it, and the changes against the previous state, as Junjo users know them
// (Before / After / Patch / Changes). Step 0 is the state at the start. The page
// owns the step (it is in the URL and moves the graph and the span panel too);
// the tab is in the URL as well (?tab=), so a link or a reload opens the same view.
import { ChangesTable } from './ChangesTable';
import { Link, useSearchParams } from 'react-router-dom';
import type { StateStep } from '../api/types';
import { readStateTab, STATE_TABS, writeStateTab, type StateTab } from '../lib/junjoGraphSelection';
import { diffStates } from '../lib/stateDiff';

function Json({ value }: { value: unknown }) {
  return <pre className="json" data-testid="state-json">{JSON.stringify(value, null, 2)}</pre>;
}

export function StateDebugger({
  start,
  steps,
  traceId,
  spanNames,
  index,
  onIndex,
}: {
  start: unknown;
  steps: StateStep[];
  traceId: string;
  spanNames: Map<string, string>;
  index: number;
  onIndex: (index: number) => void;
}) {
  const [search, setSearch] = useSearchParams();
  const view = readStateTab(search);
  const setView = (tab: StateTab) => setSearch(writeStateTab(search, tab), { replace: true });
  const step = index > 0 ? steps[index - 1] : undefined;
  const before = index > 1 ? steps[index - 2].state_after : start;
  const after = step ? step.state_after : start;
  const changes = diffStates(before, after);

  return (
    <section className="state-debugger" aria-label="State debugger">
      <div className="toolbar">
        <button type="button" onClick={() => onIndex(Math.max(0, index - 1))} disabled={index === 0} aria-label="Previous step">
          ◀ Previous step
        </button>
        <span data-testid="step-position">
          step {index} of {steps.length}
        </span>
        <button type="button" onClick={() => onIndex(Math.min(steps.length, index + 1))} disabled={index >= steps.length} aria-label="Next step">
          Next step ▶
        </button>
        <span className="tabs" role="tablist">
          {STATE_TABS.map((v) => (
            <button key={v} type="button" role="tab" aria-selected={view === v} className={view === v ? 'active' : ''} onClick={() => setView(v)}>
              {v[0].toUpperCase() + v.slice(1)}
            </button>
          ))}
        </span>
      </div>
      <div className="steps-and-state">
        <ul className="steps">
          <li className={index === 0 ? 'active' : ''}>
            <button type="button" className="link" onClick={() => onIndex(0)}>
              start
            </button>
          </li>
          {steps.map((s, i) => (
            <li key={`${s.span_id}-${s.event_index}`} className={`${index === i + 1 ? 'active' : ''}${s.patch_error ? ' error-text' : ''}`}>
              <button
                type="button"
                className="link"
                onClick={() => onIndex(i + 1)}
              >
                {i + 1}. {s.store_name} → {s.action}
              </button>{' '}
              <span className="muted">{spanNames.get(s.span_id) ?? ''}</span>
            </li>
          ))}
        </ul>
        <div className="state-view">
          {step && (
            <p className="muted">
              {step.store_name} → {step.action} in{' '}
              <Link to={`/traces/${traceId}?span=${step.span_id}`}>{spanNames.get(step.span_id) ?? step.span_id}</Link>
              {step.patch_error && <span className="error-text"> · patch failed: {step.patch_error}</span>}
            </p>
          )}
          {view === 'before' && <Json value={before} />}
          {view === 'after' && <Json value={after} />}
          {view === 'patch' && (step ? <Json value={step.patch} /> : <p className="muted">The start state has no patch.</p>)}
          {view === 'changes' &&
            (changes.length === 0 ? (
              <p className="muted">Nothing changed in this step.</p>
            ) : (
              <ChangesTable changes={changes} testId="state-changes" />
            ))}
        </div>
      </div>
    </section>
  );
}
