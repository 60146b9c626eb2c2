// A state difference path by path: what was added, removed or changed.
import type { Change } from '../lib/stateDiff';

export function ChangesTable({ changes, testId }: { changes: Change[]; testId: string }) {
  return (
    <table className="kv changes" data-testid={testId}>
      <tbody>
        {changes.map((c) => (
          <tr key={c.path} className={c.kind}>
            <th className="mono">{c.path}</th>
            <td>{c.kind}</td>
            <td>
              {'before' in c && <del>{JSON.stringify(c.before)}</del>} {'after' in c && <ins>{JSON.stringify(c.after)}</ins>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
