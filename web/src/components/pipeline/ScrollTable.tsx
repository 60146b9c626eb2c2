// A pipeline table that scrolls sideways in its own box on a narrow screen, so
// the page itself never overflows. Columns: [title, numeric?].
import type { ReactNode } from 'react';

export function ScrollTable({ testId, columns, children }: { testId: string; columns: [string, boolean][]; children: ReactNode }) {
  return (
    <div className="pl-scroll">
      <table className="table pl-partitions" data-testid={testId}>
        <thead>
          <tr>
            {columns.map(([title, numeric]) => (
              <th key={title} className={numeric ? 'num' : undefined}>
                {title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
