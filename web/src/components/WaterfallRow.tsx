// One span in the waterfall: its place in the tree (indent, a twisty to fold its
// descendants), its name and service, and its bar in the time window shown.
import type { SpanNode } from '../lib/waterfall';
import { barGeometry } from '../lib/waterfall';
import { formatDuration } from '../lib/format';

export function waterfallRowId(spanId: string): string {
  return `span-row-${spanId}`;
}

export function WaterfallRow({
  node,
  top,
  height,
  fromNs,
  toNs,
  collapsed,
  selected,
  hit,
  onSelect,
  onZoom,
  onToggle,
}: {
  node: SpanNode;
  top: number;
  height: number;
  fromNs: number;
  toNs: number;
  collapsed: boolean;
  selected: boolean;
  hit: boolean;
  onSelect: () => void;
  onZoom: () => void;
  onToggle: () => void;
}) {
  const span = node.span;
  const bar = barGeometry(span, fromNs, toNs);
  return (
    <div
      id={waterfallRowId(span.span_id)}
      role="treeitem"
      aria-level={node.depth + 1}
      aria-expanded={node.children.length ? !collapsed : undefined}
      aria-selected={selected}
      data-span-id={span.span_id}
      className={`row${selected ? ' selected' : ''}${hit ? ' hit' : ''}`}
      style={{ transform: `translateY(${top}px)`, height }}
      onClick={onSelect}
      onDoubleClick={onZoom}
    >
      <div className="label" style={{ paddingLeft: 4 + node.depth * 12 }}>
        {node.children.length > 0 ? (
          <button
            type="button"
            className="twisty"
            tabIndex={-1}
            aria-label={collapsed ? 'Expand' : 'Collapse'}
            onClick={(e) => {
              e.stopPropagation();
              onToggle();
            }}
          >
            {collapsed ? `▸ ${node.descendants}` : '▾'}
          </button>
        ) : (
          <span className="twisty-space" />
        )}
        <span className={node.isError ? 'error-text' : ''}>{span.name}</span>
        <span className="muted service"> {span.service}</span>
      </div>
      <div className="timeline">
        {bar && (
          <div
            className={`bar${node.isError ? ' error' : ''}${node.onCriticalPath ? ' critical' : ''}`}
            style={{ left: `${bar.left * 100}%`, width: `${bar.width * 100}%` }}
            title={formatDuration(span.duration_ns)}
          />
        )}
        <span className="duration">{formatDuration(span.duration_ns)}</span>
      </div>
    </div>
  );
}
