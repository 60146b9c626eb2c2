// One trace as a waterfall: a collapsible span tree beside time bars on a time
// axis, errors in red, the critical path marked, zoom to a span's time range,
// search within the trace, and the span detail panel (a bottom sheet on a phone).
// The selected span is in the URL (?span=), so a link or a reload shows it.
// Keyboard: arrows move the selection (left/right fold), Enter opens the detail,
// Esc closes it. Rows are virtualised, and big traces open collapsed below
// depth 3, so 50,000 spans stay smooth.
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useParams, useSearchParams } from 'react-router-dom';
import { traceApiPath } from '../api/paths';
import { useApi } from '../api/useApi';
import { TraceSessionLink } from '../components/TraceSessionLink';
import type { Answer } from '../api/types';
import { llmTotals, llmTotalsText } from '../lib/llmTotals';
import { SpanDetail } from '../components/SpanDetail';
import { Empty, ErrorBox, Loading } from '../components/Status';
import { formatDuration } from '../lib/format';
import { buildTree, collapsedBelow, matches, reveal, selfTimeNs, stepSelection, visibleRows } from '../lib/waterfall';
import { WaterfallAxis } from '../components/WaterfallAxis';
import { waterfallRowId, WaterfallRow } from '../components/WaterfallRow';
import { titleId, usePageTitle } from '../lib/usePageTitle';

const ROW_HEIGHT = 24;
const AXIS_HEIGHT = 22;
const BIG_TRACE = 1000;

export default function Trace() {
  const { traceId = '' } = useParams();
  usePageTitle(`Trace ${titleId(traceId)}`);
  const [search, setSearch] = useSearchParams();
  const { data, error, loading } = useApi<Answer<'getTrace'>>(traceApiPath(traceId));
  const tree = useMemo(() => buildTree(data?.spans ?? []), [data]);
  const [collapsed, setCollapsed] = useState<Set<string> | null>(null);
  const effectiveCollapsed = useMemo(
    () => collapsed ?? (tree.order.length > BIG_TRACE ? collapsedBelow(tree, 3) : new Set<string>()),
    [collapsed, tree],
  );
  const rows = useMemo(() => visibleRows(tree, effectiveCollapsed), [tree, effectiveCollapsed]);
  // Held here and written to the URL after: React Router applies URL changes as
  // transitions, which would leave arrow-key stepping a render behind.
  const urlSpan = search.get('span');
  const [selected, setSelectedState] = useState<string | null>(urlSpan);
  const [detailOpen, setDetailOpen] = useState(true);
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  // The search in the trace is in the URL too (?find=), so a reload or a shared link keeps it.
  const [needle, setNeedleState] = useState(search.get('find') ?? '');
  const setNeedle = (text: string) => {
    setNeedleState(text);
    const next = new URLSearchParams(window.location.search);
    if (text) next.set('find', text);
    else next.delete('find');
    setSearch(next, { replace: true });
  };
  const hits = useMemo(() => (needle.length >= 2 ? tree.order.filter((n) => matches(n, needle)) : []), [tree, needle]);
  const [hitIndex, setHitIndex] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
    paddingStart: AXIS_HEIGHT,
    scrollPaddingStart: AXIS_HEIGHT,
  });

  // A span opened by a link (or kept through a reload) is unfolded and scrolled to once the trace is here.
  // Spans this page wrote to the URL itself: React Router applies a write later,
  // and a quick second arrow key must not be undone when the first write lands.
  const shownOnLoad = useRef<string | null>(null);
  const written = useRef(new Set<string>());
  useEffect(() => {
    if (!urlSpan || !tree.byId.has(urlSpan) || shownOnLoad.current === urlSpan || written.current.has(urlSpan)) return;
    shownOnLoad.current = urlSpan;
    setSelectedState(urlSpan);
    const opened = reveal(tree, effectiveCollapsed, urlSpan);
    setCollapsed(opened);
    const index = visibleRows(tree, opened).findIndex((n) => n.span.span_id === urlSpan);
    if (index >= 0) requestAnimationFrame(() => virtualizer.scrollToIndex(index, { align: 'center' }));
  }, [tree, urlSpan, effectiveCollapsed, virtualizer]);

  if (error) return <ErrorBox error={error} />;
  if (loading || !data) return <Loading what="Loading the trace" />;
  if (data.spans.length === 0) return <Empty>This trace has no spans (yet).</Empty>;

  const [fromNs, toNs] = zoom ?? [tree.startNs, tree.endNs];
  const selectedNode = selected ? tree.byId.get(selected) : undefined;
  const hitSet = new Set(hits.map((h) => h.span.span_id));

  function select(spanId: string) {
    setSelectedState(spanId);
    shownOnLoad.current = spanId;
    written.current.add(spanId);
    const next = new URLSearchParams(window.location.search);
    next.set('span', spanId);
    setSearch(next, { replace: true });
  }
  function scrollToRow(spanId: string, visible = rows) {
    const index = visible.findIndex((n) => n.span.span_id === spanId);
    if (index >= 0) requestAnimationFrame(() => virtualizer.scrollToIndex(index, { align: 'auto' }));
  }
  function toggle(spanId: string, open?: boolean) {
    const next = new Set(effectiveCollapsed);
    if (open ?? next.has(spanId)) next.delete(spanId);
    else next.add(spanId);
    setCollapsed(next);
  }
  function jumpTo(spanId: string) {
    const opened = reveal(tree, effectiveCollapsed, spanId);
    setCollapsed(opened);
    setSelectedState(spanId);
    const index = visibleRows(tree, opened).findIndex((n) => n.span.span_id === spanId);
    if (index >= 0) requestAnimationFrame(() => virtualizer.scrollToIndex(index, { align: 'center' }));
  }
  const nextHit = () => {
    if (hits.length === 0) return;
    const index = hitIndex % hits.length;
    setHitIndex(index + 1);
    jumpTo(hits[index].span.span_id);
    select(hits[index].span.span_id);
  };
  const onTreeKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const node = selectedNode;
    const move = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : 0;
    if (move) {
      e.preventDefault();
      const next = stepSelection(rows, selected, move);
      if (next) {
        select(next.span.span_id);
        scrollToRow(next.span.span_id);
      }
    } else if (e.key === 'Enter' && node) {
      e.preventDefault();
      setDetailOpen(true);
    } else if ((e.key === 'ArrowRight' || e.key === 'ArrowLeft' || e.key === ' ') && node?.children.length) {
      e.preventDefault();
      toggle(node.span.span_id, e.key === ' ' ? undefined : e.key === 'ArrowRight');
    }
  };
  // Esc closes the detail from anywhere on the page (the tree or the sheet itself).
  const onPageKey = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === 'Escape' && detailOpen && selectedNode) {
      setDetailOpen(false);
      scroller.current?.focus();
    }
  };

  const llmText = llmTotalsText(llmTotals(data.spans));
  const showDetail = detailOpen && selectedNode;

  return (
    <section className={`trace-page${showDetail ? ' detail-open' : ''}`} onKeyDown={onPageKey}>
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
        <div
          className="waterfall"
          ref={scroller}
          data-testid="waterfall"
          role="tree"
          aria-label="Spans"
          tabIndex={0}
          aria-activedescendant={selected && rows.some((n) => n.span.span_id === selected) ? waterfallRowId(selected) : undefined}
          onKeyDown={onTreeKey}
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            <WaterfallAxis fromNs={fromNs} toNs={toNs} originNs={tree.startNs} height={AXIS_HEIGHT} label={zoom ? 'zoomed · since trace start' : 'since trace start'} />
            {virtualizer.getVirtualItems().map((item) => {
              const node = rows[item.index];
              const spanId = node.span.span_id;
              return (
                <WaterfallRow
                  key={spanId}
                  node={node}
                  top={item.start}
                  height={ROW_HEIGHT}
                  fromNs={fromNs}
                  toNs={toNs}
                  collapsed={effectiveCollapsed.has(spanId)}
                  selected={selected === spanId}
                  hit={hitSet.has(spanId)}
                  onSelect={() => {
                    select(spanId);
                    setDetailOpen(true);
                  }}
                  onZoom={() => setZoom([node.span.start_ns, Math.max(node.span.end_ns, node.span.start_ns + 1)])}
                  onToggle={() => toggle(spanId)}
                />
              );
            })}
          </div>
        </div>
        {showDetail ? (
          <SpanDetail
            span={selectedNode.span}
            answer={data}
            traceStartNs={tree.startNs}
            selfNs={selfTimeNs(selectedNode)}
            onClose={() => {
              setDetailOpen(false);
              scroller.current?.focus();
            }}
          />
        ) : (
          <aside className="span-detail span-detail-hint muted">
            Select a span (click, or the arrow keys then Enter). Double-click a span to zoom to it.
          </aside>
        )}
      </div>
    </section>
  );
}
