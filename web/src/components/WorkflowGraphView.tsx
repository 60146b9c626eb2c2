// The workflow graph (laid out by junjoGraphLayout): concurrent groups and
// subflows as boxes around their nodes, nodes coloured by outcome with their
// duration, nodes that did not run greyed, conditions on their edges, executed
// edges marked. The current state step's node is ringed; a click on a node or
// box selects its span.
import { useMemo, type KeyboardEvent, type MouseEvent } from 'react';
import { formatDuration } from '../lib/format';
import type { GraphNode, NodeRun, WorkflowGraph } from '../lib/junjoGraph';
import { layoutGraph, type Point } from '../lib/junjoGraphLayout';

interface Props {
  graph: WorkflowGraph;
  runs: Map<string, NodeRun>;
  selectedNode?: string;
  currentNode?: string;
  onSelect: (nodeId: string, spanId: string) => void;
}

// What a node's second line says: how long it ran (in all, and how often when more than once).
function timing(run: NodeRun | undefined): string {
  if (!run || run.outcome === 'not_run') return 'not run';
  const times = run.spans.length > 1 ? `×${run.spans.length} · ` : '';
  return `${times}${formatDuration(run.durationNs)}${run.outcome === 'ok' ? '' : ` · ${run.outcome}`}`;
}

const clip = (label: string, max: number) => (label.length > max ? `${label.slice(0, max - 1)}…` : label);
const path = (points: Point[]) => points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');

export function WorkflowGraphView({ graph, runs, selectedNode, currentNode, onSelect }: Props) {
  const layout = useMemo(() => layoutGraph(graph), [graph]);
  const byId = useMemo(() => new Map(graph.nodes.map((n) => [n.id, n])), [graph]);

  const interaction = (node: GraphNode) => {
    const run = runs.get(node.id);
    const select = () => run?.span && onSelect(node.id, run.span.span_id);
    const classes = [run?.outcome ?? 'not_run', node.id === selectedNode ? 'selected' : '', node.id === currentNode ? 'current' : '']
      .filter(Boolean)
      .join(' ');
    return {
      className: classes,
      props: {
        onClick: (e: MouseEvent) => {
          e.stopPropagation();
          select();
        },
        onKeyDown: (e: KeyboardEvent) => e.key === 'Enter' && select(),
        role: 'button',
        tabIndex: run?.span ? 0 : -1,
        'aria-label': `${node.label}: ${run?.outcome === 'not_run' || !run ? 'not run' : run.outcome}`,
        'aria-pressed': node.id === selectedNode,
        'data-outcome': run?.outcome ?? 'not_run',
        'data-current': node.id === currentNode ? 'true' : undefined,
        'data-parent': node.parent ? byId.get(node.parent)?.label : undefined,
      },
    };
  };

  // Drawn at its own size (text stays readable), scrolled within a frame when tall.
  return (
    <div className="graph-frame">
      <svg
        className="graph"
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        style={{ width: layout.width, maxWidth: '100%', maxHeight: 'none' }}
        role="group"
        aria-label="Workflow graph"
        data-testid="workflow-graph"
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" className="arrow-head" />
          </marker>
        </defs>
        {layout.clusters.map((id) => {
          const node = byId.get(id)!;
          const b = layout.boxes.get(id);
          if (!b) return null;
          const { className, props } = interaction(node);
          return (
            <g key={id} className={`cluster ${node.kind} ${className}`} {...props}>
              <rect x={b.x - b.width / 2} y={b.y - b.height / 2} width={b.width} height={b.height} rx={8} />
              <text x={b.x - b.width / 2 + 8} y={b.y - b.height / 2 + 15}>
                {node.kind === 'concurrent' ? '⇉ ' : '↳ '}
                {clip(node.label, 28)} <tspan className="timing">{timing(runs.get(id))}</tspan>
              </text>
            </g>
          );
        })}
        {layout.edges.map(({ edge, points, labelAt }, i) => {
          const ran = runs.get(edge.source)?.outcome !== 'not_run' && runs.get(edge.target)?.outcome !== 'not_run';
          return (
            <g key={`${edge.id}-${i}`} className={`edge${ran ? ' executed' : ''}`} data-edge-label={edge.label ?? undefined}>
              <path d={path(points)} markerEnd="url(#arrow)" />
              {edge.label && labelAt && (
                <g className="edge-label" transform={`translate(${labelAt.x.toFixed(1)},${labelAt.y.toFixed(1)})`}>
                  <rect x={-edge.label.length * 3.25 - 4} y={-8} width={edge.label.length * 6.5 + 8} height={16} rx={3} />
                  <text textAnchor="middle" y={4}>
                    {edge.label}
                  </text>
                </g>
              )}
            </g>
          );
        })}
        {layout.leaves.map((id) => {
          const node = byId.get(id)!;
          const b = layout.boxes.get(id);
          if (!b) return null;
          const { className, props } = interaction(node);
          return (
            <g key={id} className={`node ${className}`} {...props}>
              <rect x={b.x - b.width / 2} y={b.y - b.height / 2} width={b.width} height={b.height} rx={6} />
              <text x={b.x} y={b.y - 3} textAnchor="middle">
                {clip(node.label, 22)}
              </text>
              <text x={b.x} y={b.y + 13} textAnchor="middle" className="timing">
                {timing(runs.get(id))}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
