// The workflow graph laid out by dagre (compound, so concurrent groups and
// subflows enclose their nodes): nodes coloured by outcome, nodes that did not
// run greyed, edge conditions as labels, executed edges marked; a click on a
// node selects its span.
import dagre from '@dagrejs/dagre';
import { useMemo } from 'react';
import type { NodeRun, WorkflowGraph } from '../lib/junjoGraph';

interface Props {
  graph: WorkflowGraph;
  runs: Map<string, NodeRun>;
  selectedSpanId?: string;
  onSelect: (spanId: string) => void;
}

const NODE_W = 150;
const NODE_H = 36;

export function WorkflowGraphView({ graph, runs, selectedSpanId, onSelect }: Props) {
  const layout = useMemo(() => {
    const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
    g.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 50, marginx: 10, marginy: 10 });
    g.setDefaultEdgeLabel(() => ({}));
    const parents = new Set(graph.nodes.filter((n) => n.parent).map((n) => n.parent!));
    for (const node of graph.nodes) {
      g.setNode(node.id, parents.has(node.id) ? { label: node.label, paddingTop: 24 } : { label: node.label, width: NODE_W, height: NODE_H });
    }
    for (const node of graph.nodes) if (node.parent) g.setParent(node.id, node.parent);
    // dagre cannot route an edge that touches a cluster: lay it out to the
    // cluster's first node instead (so the ranks are right) and draw it to the
    // cluster's border.
    const firstInside = (id: string): string => {
      const child = graph.nodes.find((n) => n.parent === id);
      return child ? firstInside(child.id) : id;
    };
    for (const edge of graph.edges) {
      const source = parents.has(edge.source) ? firstInside(edge.source) : edge.source;
      const target = parents.has(edge.target) ? firstInside(edge.target) : edge.target;
      if (source === target) continue;
      g.setEdge(source, target, { label: edge.label ?? '', width: edge.label ? 80 : 0, height: edge.label ? 16 : 0 }, edge.id);
    }
    dagre.layout(g);
    return g;
  }, [graph]);

  const box = (id: string) => layout.node(id) as { x: number; y: number; width: number; height: number } | undefined;
  const info = layout.graph() as { width?: number; height?: number };
  const parents = new Set(graph.nodes.filter((n) => n.parent).map((n) => n.parent!));
  const center = (id: string) => box(id);

  return (
    <svg
      className="graph"
      viewBox={`0 0 ${info.width ?? 400} ${info.height ?? 200}`}
      style={{ width: info.width ?? 400, maxWidth: '100%' }}
      role="img" aria-label="Workflow graph" data-testid="workflow-graph">
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" className="arrow-head" />
        </marker>
      </defs>
      {graph.nodes
        .filter((n) => parents.has(n.id))
        .map((n) => {
          const b = box(n.id);
          if (!b) return null;
          const run = runs.get(n.id);
          return (
            <g key={n.id} className={`cluster ${n.kind} ${run?.outcome ?? 'not_run'}`} onClick={() => run?.span && onSelect(run.span.span_id)}>
              <rect x={b.x - b.width / 2} y={b.y - b.height / 2} width={b.width} height={b.height} rx={8} />
              <text x={b.x - b.width / 2 + 8} y={b.y - b.height / 2 + 16}>
                {n.kind === 'concurrent' ? '⇉ ' : '↳ '}
                {n.label}
              </text>
            </g>
          );
        })}
      {graph.edges.map((edge) => {
        const from = center(edge.source);
        const to = center(edge.target);
        if (!from || !to) return null;
        const ran = runs.get(edge.source)?.outcome !== 'not_run' && runs.get(edge.target)?.outcome !== 'not_run';
        const routed = layout.edges().find((e) => e.name === edge.id);
        const points = routed
          ? [...(layout.edge(routed) as { points: { x: number; y: number }[] }).points]
          : [{ x: from.x, y: from.y + from.height / 2 }, { x: to.x, y: to.y - to.height / 2 }];
        if (parents.has(edge.source)) points[0] = { x: from.x, y: from.y + from.height / 2 };
        if (parents.has(edge.target)) points[points.length - 1] = { x: to.x, y: to.y - to.height / 2 };
        const d = points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ');
        const mid = points[Math.floor(points.length / 2)];
        return (
          <g key={edge.id} className={`edge${ran ? ' executed' : ''}`}>
            <path d={d} markerEnd="url(#arrow)" />
            {edge.label && (
              <text x={mid.x + 4} y={mid.y - 4} className="edge-label">
                {edge.label}
              </text>
            )}
          </g>
        );
      })}
      {graph.nodes
        .filter((n) => !parents.has(n.id))
        .map((n) => {
          const b = box(n.id);
          if (!b) return null;
          const run = runs.get(n.id);
          const selected = run?.span && run.span.span_id === selectedSpanId;
          return (
            <g
              key={n.id}
              className={`node ${run?.outcome ?? 'not_run'}${selected ? ' selected' : ''}`}
              onClick={() => run?.span && onSelect(run.span.span_id)}
              role="button"
              aria-label={`${n.label}: ${run?.outcome ?? 'not run'}`}
              tabIndex={run?.span ? 0 : -1}
              onKeyDown={(e) => e.key === 'Enter' && run?.span && onSelect(run.span.span_id)}
            >
              <rect x={b.x - b.width / 2} y={b.y - b.height / 2} width={b.width} height={b.height} rx={6} />
              <text x={b.x} y={b.y + 4} textAnchor="middle">
                {n.label.length > 20 ? `${n.label.slice(0, 19)}…` : n.label}
              </text>
            </g>
          );
        })}
    </svg>
  );
}
