// The compared runs side by side: 1-3 columns on the same prompt, each with its
// own provider, model and parameters, and its answer below them.
import { addedColumn, columnLabel, MAX_COLUMNS, removed, replaced, type Column } from '../../lib/playground/prompt';
import type { PlaygroundProvider } from '../../lib/playground/api';
import type { RunState } from '../../lib/playground/run';
import { ColumnSettings } from './ColumnSettings';
import { RunOutput } from './RunOutput';

export function CompareColumns({ columns, providers, runOf, nowMs, onChange, onLayoutChange }: {
  columns: Column[];
  providers: PlaygroundProvider[];
  runOf: (index: number) => RunState;
  nowMs: number;
  onChange: (columns: Column[]) => void;
  onLayoutChange: () => void; // a column removed: the runs shown no longer line up
}) {
  return (
    <>
      <div className="pg-columns" data-count={columns.length}>
        {columns.map((column, i) => (
          <section key={i} className="pg-column" data-testid="pg-column" data-label={columnLabel(i)} aria-label={`Run ${columnLabel(i)}`}>
            <div className="pg-column-head">
              <strong>{columnLabel(i)}</strong>
              <span className="pg-spacer" />
              {columns.length > 1 && (
                <button type="button" className="link" onClick={() => { onLayoutChange(); onChange(removed(columns, i)); }} data-testid="pg-remove-column">
                  remove
                </button>
              )}
            </div>
            <ColumnSettings column={column} providers={providers} onChange={(c) => onChange(replaced(columns, i, c))} />
            <RunOutput state={runOf(i)} nowMs={nowMs} />
          </section>
        ))}
      </div>
      {columns.length < MAX_COLUMNS && (
        <button type="button" onClick={() => onChange(addedColumn(columns))} data-testid="pg-add-column">
          + compare with another model ({columns.length}/{MAX_COLUMNS})
        </button>
      )}
    </>
  );
}
