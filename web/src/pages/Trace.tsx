// One trace as a waterfall: a collapsible span tree beside time bars, errors in
// red, the critical path marked, zoom to a span's time range, search within the
// trace, and the span detail panel. Rows are virtualised, and big traces open
// collapsed below depth 3, so 50,000 spans stay smooth.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { useApi } from '../api/useApi';
import { TraceSessionLink } from '../components/TraceSessionLink';
import type { Answer } from '../api/types';
import { llmTotals, llmTotalsText } from '../lib/llmTotals';
import { SpanDetail } from '../components/SpanDetail';
import { Empty, ErrorBox, Loading } from '../components/Status';
import { formatDuration } from '../lib/format';
import { barGeometry, buildTree, collapsedBelow, matches, reveal, visibleRows } from '../lib/waterfall';
import { titleId, usePageTitle } from '../lib/usePageTitle';

const ROW_HEIGHT = 24;
const BIG_TRACE = 1000;

export default function Trace() {
  const { traceId = '' } = useParams();
  usePageTitle(`Trace ${titleId(traceId)}`);
  const [search] = useSearchParams();
  const { data, error, loading } = useApi<Answer<'getTrace'>>(`/api/v1/traces/${traceId}`);
  const tree = useMemo(() => buildTree(data?.spans ?? []), [data]);
  const [collapsed, setCollapsed] = useState<Set<string> | null>(null);
  const effectiveCollapsed = useMemo(
    () => collapsed ?? (tree.order.length > BIG_TRACE ? collapsedBelow(tree, 3) : new Set<string>()),
    [collapsed, tree],
  );
  const rows = useMemo(() => visibleRows(tree, effectiveCollapsed), [tree, effectiveCollapsed]);
  const [selected, setSelected] = useState<string | null>(search.get('span'));
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const [needle, setNeedle] = useState('');
  const hits = useMemo(() => (needle.length >= 2 ? tree.order.filter((n) => matches(n, needle)) : []), [tree, needle]);
  const [hitIndex, setHitIndex] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 20 });

  if (error) return <ErrorBox error={error} />;
  if (loading || !data) return <Loading what="Loading the trace" />;
  if (data.spans.length === 0) return <Empty>This trace has no spans (yet).</Empty>;

  const [fromNs, toNs] = zoom ?? [tree.startNs, tree.endNs];
  const selectedNode = selected ? tree.byId.get(selected) : undefined;
  const hitSet = new Set(hits.map((h) => h.span.span_id));

  const toggle = (spanId: string) => {
    const next = new Set(effectiveCollapsed);
    if (next.has(spanId)) next.delete(spanId);
    else next.add(spanId);
    setCollapsed(next);
  };
  const jumpTo = (spanId: string) => {
    const opened = reveal(tree, effectiveCollapsed, spanId);
    setCollapsed(opened);
    setSelected(spanId);
    const index = visibleRows(tree, opened).findIndex((n) => n.span.span_id === spanId);
    if (index >= 0) requestAnimationFrame(() => virtualizer.scrollToIndex(index, { align: 'center' }));
  };
  const nextHit = () => {
    if (hits.length === 0) return;
    const index = hitIndex % hits.length;
    setHitIndex(index + 1);
    jumpTo(hits[index].span.span_id);
  };

  const llmText = llmTotalsText(llmTotals(data.spans));

  return (
    <section className="trace-page">
      <header className="trace-header">
        <h1>
          Trace <span className="mono">{traceId}</span>
        </h1>
        <p className="muted">
          {data.spans.length} spans · {formatDuration(tree.endNs - tree.startNs)} · {tree.order.filter((n) => n.isError).length} errors
          <TraceSessionLink spans={data.spans} />
        </p>
        {llmText && (
          <p className="muted" data-testid="trace-llm-totals">
            {llmText}
          </p>
        )}
        <div className="toolbar">
          <input
            aria-label="Search in trace"
            placeholder="search spans (name, service, attribute)"
            value={needle}
            onChange={(e) => {
              setNeedle(e.target.value);
              setHitIndex(0);
            }}
            onKeyDown={(e) => e.key === 'Enter' && nextHit()}
          />
          <span className="muted">{needle.length >= 2 ? `${hits.length} matches` : ''}</span>
          <button type="button" onClick={nextHit} disabled={hits.length === 0}>
            Next match
          </button>
          <button type="button" onClick={() => setCollapsed(new Set())}>
            Expand all
          </button>
          <button type="button" onClick={() => setCollapsed(collapsedBelow(tree, 1))}>
            Collapse all
          </button>
          <button type="button" onClick={() => setZoom(null)} disabled={!zoom}>
            Reset zoom
          </button>
          <span className="legend">
            <span className="bar-sample critical" /> critical path <span className="bar-sample error" /> error
          </span>
        </div>
      </header>
      <div className="waterfall-and-detail">
        <div className="waterfall" ref={scroller} data-testid="waterfall" role="tree" aria-label="Spans">
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const node = rows[item.index];
              const span = node.span;
              const bar = barGeometry(span, fromNs, toNs);
              const isCollapsed = effectiveCollapsed.has(span.span_id);
              return (
                <div
                  key={span.span_id}
                  role="treeitem"
                  aria-level={node.depth + 1}
                  aria-expanded={node.children.length ? !isCollapsed : undefined}
                  aria-selected={selected === span.span_id}
                  tabIndex={0}
                  className={`row${selected === span.span_id ? ' selected' : ''}${hitSet.has(span.span_id) ? ' hit' : ''}`}
                  style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                  onClick={() => setSelected(span.span_id)}
                  onDoubleClick={() => setZoom([span.start_ns, Math.max(span.end_ns, span.start_ns + 1)])}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') setSelected(span.span_id);
                    if (e.key === ' ' && node.children.length) {
                      e.preventDefault();
                      toggle(span.span_id);
                    }
                  }}
                >
                  <div className="label" style={{ paddingLeft: 4 + node.depth * 12 }}>
                    {node.children.length > 0 ? (
                      <button
                        type="button"
                        className="twisty"
                        aria-label={isCollapsed ? 'Expand' : 'Collapse'}
                        onClick={(e) => {
                          e.stopPropagation();
                          toggle(span.span_id);
                        }}
                      >
                        {isCollapsed ? `▸ ${node.descendants}` : '▾'}
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
            })}
          </div>
        </div>
        {selectedNode ? <SpanDetail span={selectedNode.span} traceStartNs={tree.startNs} /> : <aside className="span-detail muted">Select a span. Double-click a span to zoom to it.</aside>}
      </div>
    </section>
  );
}
