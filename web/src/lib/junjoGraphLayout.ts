// Where each part of a Junjo graph is drawn. Dagre lays it out as a compound
// graph (concurrent groups and subflows are boxes around their nodes), but it
// cannot route an edge that ends on a box. So such an edge is laid out to the
// nodes inside the box that it really reaches (a subflow's source or sinks, every
// branch of a concurrent group), which puts the ranks right, and is then drawn
// cut at the box's border: it leaves from or arrives at the box, never crossing
// it. A condition sits on its edge where dagre made room for it, or at the
// middle of the drawn line when that room was cut away with the box.
import dagre from '@dagrejs/dagre';
import type { GraphEdge, WorkflowGraph } from './junjoGraph';

export interface Point {
  x: number;
  y: number;
}

// Centre and size, as dagre gives them.
export interface Box extends Point {
  width: number;
  height: number;
}

export interface LaidEdge {
  edge: GraphEdge;
  points: Point[];
  labelAt?: Point;
}

export interface GraphLayout {
  width: number;
  height: number;
  boxes: Map<string, Box>;
  // Boxes around other nodes, outermost first (so inner ones are drawn on top).
  clusters: string[];
  leaves: string[];
  edges: LaidEdge[];
}

// What dagre leaves on an edge: its route, and where its label went.
interface RoutedEdge {
  points?: Point[];
  x?: number;
  y?: number;
}

export const NODE_WIDTH = 168;
export const NODE_HEIGHT = 44;
const LABEL_HEIGHT = 16;
const labelWidth = (label: string) => Math.min(220, 12 + label.length * 6.5);

export function layoutGraph(graph: WorkflowGraph): GraphLayout {
  const children = new Map<string, string[]>();
  for (const node of graph.nodes) if (node.parent) children.set(node.parent, [...(children.get(node.parent) ?? []), node.id]);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const isCluster = (id: string) => children.has(id);

  const g = new dagre.graphlib.Graph({ compound: true, multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 46, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, isCluster(node.id) ? {} : { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const node of graph.nodes) if (node.parent) g.setParent(node.id, node.parent);

  // The nodes an edge into (entries) or out of (exits) a box really reaches.
  const inner = (id: string) => graph.edges.filter((e) => children.get(id)!.includes(e.source) && children.get(id)!.includes(e.target));
  const ends = (id: string, side: 'entries' | 'exits', depth = 0): string[] => {
    if (!isCluster(id) || depth > graph.nodes.length) return [id];
    const node = byId.get(id)!;
    const kids = children.get(id)!;
    let reached = kids;
    if (node.kind === 'subflow') {
      const named = side === 'entries' ? (node.subflowSource ? [node.subflowSource] : []) : (node.subflowSinks ?? []);
      const edges = inner(id);
      const open = kids.filter((k) => !edges.some((e) => (side === 'entries' ? e.target : e.source) === k));
      reached = named.filter((k) => kids.includes(k));
      if (reached.length === 0) reached = open.length > 0 ? open : kids.slice(0, 1);
    }
    return reached.flatMap((k) => ends(k, side, depth + 1));
  };

  const routes = new Map<number, string>(); // graph edge index -> the dagre edge drawn for it
  graph.edges.forEach((edge, i) => {
    let k = 0;
    for (const source of ends(edge.source, 'exits')) {
      for (const target of ends(edge.target, 'entries')) {
        if (source === target) continue;
        const name = `${i}#${k}`;
        const label = k === 0 && edge.label ? { width: labelWidth(edge.label), height: LABEL_HEIGHT, labelpos: 'c' } : {};
        g.setEdge(source, target, label, name);
        if (k === 0) routes.set(i, name);
        k++;
      }
    }
  });
  dagre.layout(g);

  const boxes = new Map<string, Box>();
  for (const node of graph.nodes) {
    const laid = g.node(node.id) as Box | undefined;
    if (laid && Number.isFinite(laid.x)) boxes.set(node.id, { x: laid.x, y: laid.y, width: laid.width, height: laid.height });
  }
  const routed = new Map<string, RoutedEdge>(g.edges().map((e) => [e.name ?? '', g.edge(e) as RoutedEdge]));

  const edges: LaidEdge[] = [];
  graph.edges.forEach((edge, i) => {
    const from = boxes.get(edge.source);
    const to = boxes.get(edge.target);
    if (!from || !to) return;
    const laid = routed.get(routes.get(i) ?? '');
    let points = laid?.points?.map((p) => ({ x: p.x, y: p.y })) ?? [];
    if (points.length < 2) points = [bottomOf(from), topOf(to)];
    if (isCluster(edge.source)) points = leaveBox(points, from) ?? [bottomOf(from), topOf(to)];
    if (isCluster(edge.target)) points = enterBox(points, to) ?? [points[0], topOf(to)];
    const result: LaidEdge = { edge, points };
    if (edge.label) {
      const room = laid && laid.x !== undefined && laid.y !== undefined ? { x: laid.x, y: laid.y } : undefined;
      result.labelAt = room && distanceToLine(room, points) < 1.5 ? room : midpoint(points);
    }
    edges.push(result);
  });

  const depth = (id: string) => {
    let d = 0;
    for (let p = byId.get(id)?.parent; p && d < graph.nodes.length; p = byId.get(p)?.parent) d++;
    return d;
  };
  const info = g.graph() as { width?: number; height?: number };
  return {
    width: info.width ?? 400,
    height: info.height ?? 200,
    boxes,
    clusters: graph.nodes.filter((n) => isCluster(n.id)).map((n) => n.id).sort((a, b) => depth(a) - depth(b)),
    leaves: graph.nodes.filter((n) => !isCluster(n.id)).map((n) => n.id),
    edges,
  };
}

const topOf = (b: Box): Point => ({ x: b.x, y: b.y - b.height / 2 });
const bottomOf = (b: Box): Point => ({ x: b.x, y: b.y + b.height / 2 });

export function inside(p: Point, b: Box, tolerance = 0.01): boolean {
  return Math.abs(p.x - b.x) <= b.width / 2 + tolerance && Math.abs(p.y - b.y) <= b.height / 2 + tolerance;
}

// Where the segment from `from` (inside the box) to `to` (outside) crosses its border.
function crossing(from: Point, to: Point, b: Box): Point {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  const tx = dx > 0 ? (b.x + b.width / 2 - from.x) / dx : dx < 0 ? (b.x - b.width / 2 - from.x) / dx : Infinity;
  const ty = dy > 0 ? (b.y + b.height / 2 - from.y) / dy : dy < 0 ? (b.y - b.height / 2 - from.y) / dy : Infinity;
  const t = Math.min(1, Math.max(0, Math.min(tx, ty)));
  return { x: from.x + t * dx, y: from.y + t * dy };
}

// The line from where it last leaves the box on; null if it never does.
export function leaveBox(points: Point[], b: Box): Point[] | null {
  let last = -1;
  points.forEach((p, i) => {
    if (inside(p, b)) last = i;
  });
  if (last === -1) return points;
  if (last === points.length - 1) return null;
  return [crossing(points[last], points[last + 1], b), ...points.slice(last + 1)];
}

// The line up to where it first enters the box; null if it starts inside.
export function enterBox(points: Point[], b: Box): Point[] | null {
  const first = points.findIndex((p) => inside(p, b));
  if (first === -1) return points;
  if (first === 0) return null;
  return [...points.slice(0, first), crossing(points[first], points[first - 1], b)];
}

function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = dx * dx + dy * dy;
  const t = length === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

export function distanceToLine(p: Point, points: Point[]): number {
  let best = Infinity;
  for (let i = 1; i < points.length; i++) best = Math.min(best, distanceToSegment(p, points[i - 1], points[i]));
  return points.length === 1 ? Math.hypot(p.x - points[0].x, p.y - points[0].y) : best;
}

// Halfway along the line, by length.
export function midpoint(points: Point[]): Point {
  const lengths = points.slice(1).map((p, i) => Math.hypot(p.x - points[i].x, p.y - points[i].y));
  let remaining = lengths.reduce((a, b) => a + b, 0) / 2;
  for (let i = 0; i < lengths.length; i++) {
    if (remaining <= lengths[i] && lengths[i] > 0) {
      const t = remaining / lengths[i];
      return { x: points[i].x + t * (points[i + 1].x - points[i].x), y: points[i].y + t * (points[i + 1].y - points[i].y) };
    }
    remaining -= lengths[i];
  }
  return points.at(-1) ?? { x: 0, y: 0 };
}
