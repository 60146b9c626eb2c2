// Junjo's two workflow graph formats, read into one model the page draws:
//   v1 `junjo.workflow.graph_structure`:       {v:1, nodes:[{id,type,label,isSubgraph,children,isSubflow,...}], edges:[{id,source,target,condition,type,subflowId}]}
//   v2 `junjo.workflow.execution_graph_snapshot`: {v:2, graphStructuralId, nodes:[{nodeRuntimeId,...}], edges:[{tailNodeRuntimeId,headNodeRuntimeId,...}]}
// Concurrent groups and subflows become parents of the nodes inside them, so
// the drawing can nest them; then which span ran each node (nodeRuns).

import type { Span } from '../api/types';

export type NodeKind = 'node' | 'concurrent' | 'subflow';

export interface GraphNode {
  id: string; // runtime id (v2) or id (v1), as the graph names it
  label: string;
  type: string;
  kind: NodeKind;
  parent?: string;
  structuralId?: string;
  subflowGraphId?: string;
  // A subflow's first node and its last ones (the ids above), when the graph says.
  subflowSource?: string;
  subflowSinks?: string[];
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  label: string | null;
  scope: string;
}

export interface WorkflowGraph {
  format: 'v1' | 'v2';
  structuralId?: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

type Json = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === 'string' ? value : value == null ? '' : String(value));
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export function parseGraph(raw: unknown): WorkflowGraph | null {
  let graph = raw;
  if (typeof graph === 'string') {
    try {
      graph = JSON.parse(graph);
    } catch {
      return null;
    }
  }
  if (typeof graph !== 'object' || graph === null) return null;
  const g = graph as Json;
  if (g.v === 2 || 'graphStructuralId' in g) return parseV2(g);
  if (g.v === 1 || Array.isArray(g.nodes)) return parseV1(g);
  return null;
}

function parseV1(g: Json): WorkflowGraph {
  const nodes: GraphNode[] = [];
  const parents = new Map<string, string>();
  for (const item of list(g.nodes) as Json[]) {
    const id = text(item.id);
    const kind: NodeKind = item.isSubgraph ? 'concurrent' : item.isSubflow ? 'subflow' : 'node';
    const node: GraphNode = { id, label: text(item.label) || text(item.type) || id, type: text(item.type), kind };
    if (item.subflowSourceId) node.subflowSource = text(item.subflowSourceId);
    if (item.subflowSinkId) node.subflowSinks = [text(item.subflowSinkId)];
    nodes.push(node);
    for (const child of list(item.children)) parents.set(text(child), id);
  }
  const edges: GraphEdge[] = (list(g.edges) as Json[]).map((edge, i) => {
    if (edge.subflowId) {
      parents.set(text(edge.source), text(edge.subflowId));
      parents.set(text(edge.target), text(edge.subflowId));
    }
    return {
      id: text(edge.id) || `e${i}`,
      source: text(edge.source),
      target: text(edge.target),
      label: edge.condition == null || edge.condition === '' ? null : text(edge.condition),
      scope: text(edge.type) || 'explicit',
    };
  });
  return finish({ format: 'v1', nodes, edges }, parents);
}

function parseV2(g: Json): WorkflowGraph {
  const nodes: GraphNode[] = [];
  const parents = new Map<string, string>();
  for (const item of list(g.nodes) as Json[]) {
    const id = text(item.nodeRuntimeId);
    const kind: NodeKind = item.isConcurrentSubgraph ? 'concurrent' : item.isSubflow ? 'subflow' : 'node';
    const node: GraphNode = {
      id,
      label: text(item.nodeLabel) || text(item.nodeType) || id,
      type: text(item.nodeType),
      kind,
      structuralId: text(item.nodeStructuralId) || undefined,
      subflowGraphId: text(item.subflowGraphStructuralId) || undefined,
    };
    nodes.push(node);
    for (const child of list(item.childNodeRuntimeIds)) parents.set(text(child), id);
    if (item.isSubflow) {
      if (item.subflowSourceNodeRuntimeId) {
        node.subflowSource = text(item.subflowSourceNodeRuntimeId);
        parents.set(node.subflowSource, id);
      }
      node.subflowSinks = list(item.subflowSinkNodeRuntimeIds).map(text);
      for (const sink of node.subflowSinks) parents.set(sink, id);
    }
  }
  const edges: GraphEdge[] = (list(g.edges) as Json[]).map((edge, i) => {
    if (edge.parentSubflowRuntimeId) {
      parents.set(text(edge.tailNodeRuntimeId), text(edge.parentSubflowRuntimeId));
      parents.set(text(edge.headNodeRuntimeId), text(edge.parentSubflowRuntimeId));
    }
    return {
      id: text(edge.edgeStructuralId) || `e${i}`,
      source: text(edge.tailNodeRuntimeId),
      target: text(edge.headNodeRuntimeId),
      label: edge.edgeConditionLabel == null || edge.edgeConditionLabel === '' ? null : text(edge.edgeConditionLabel),
      scope: text(edge.edgeScope) || 'explicit',
    };
  });
  return finish({ format: 'v2', structuralId: text(g.graphStructuralId) || undefined, nodes, edges }, parents);
}

function finish(graph: WorkflowGraph, parents: Map<string, string>): WorkflowGraph {
  const known = new Set(graph.nodes.map((n) => n.id));
  for (const node of graph.nodes) {
    const parent = parents.get(node.id);
    if (parent && parent !== node.id && known.has(parent)) node.parent = parent;
  }
  // Edges to nodes the graph does not list would break the layout: keep only drawable ones.
  return { ...graph, edges: graph.edges.filter((e) => known.has(e.source) && known.has(e.target)) };
}

export type Outcome = 'ok' | 'error' | 'cancelled' | 'not_run';

export interface NodeRun {
  outcome: Outcome;
  // The execution to open: the failing one if any, else the last.
  span?: Span;
  // Every execution of the node in this run (a node in a loop runs more than once), by start.
  spans: Span[];
  durationNs: number;
}

export function attr(span: Span, key: string): string {
  const value = span.attributes?.[key];
  return value == null ? '' : String(value);
}

const spanType = (span: Span) => attr(span, 'junjo.span_type');
const isRunSpan = (span: Span) => spanType(span) === 'workflow' || spanType(span) === 'subflow';

export function spanOutcome(span: Span): Exclude<Outcome, 'not_run'> {
  if (span.status?.code === 2) return 'error';
  return attr(span, 'junjo.cancelled') === 'true' ? 'cancelled' : 'ok';
}

function summarize(spans: Span[]): NodeRun {
  if (spans.length === 0) return { outcome: 'not_run', spans, durationNs: 0 };
  const sorted = [...spans].sort((a, b) => a.start_ns - b.start_ns);
  const outcomes = sorted.map(spanOutcome);
  const outcome = outcomes.includes('error') ? 'error' : outcomes.includes('cancelled') ? 'cancelled' : 'ok';
  const span = outcome === 'ok' ? sorted.at(-1) : sorted.find((s) => spanOutcome(s) === outcome);
  return { outcome, span, spans: sorted, durationNs: sorted.reduce((sum, s) => sum + (s.duration_ns ?? 0), 0) };
}

// The workflow or subflow execution a span ran in: its nearest ancestor that is
// a workflow or subflow span (a RunConcurrent span in between is passed over).
function owners(spans: Span[]): Map<string, string | null> {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const owner = new Map<string, string | null>();
  for (const span of spans) {
    let parent = byId.get(span.parent_span_id);
    const seen = new Set<string>();
    while (parent && !isRunSpan(parent) && !seen.has(parent.span_id)) {
      seen.add(parent.span_id);
      parent = byId.get(parent.parent_span_id);
    }
    owner.set(span.span_id, parent && isRunSpan(parent) ? parent.span_id : null);
  }
  return owner;
}

// Which spans ran each node, and how it ended.
//
// The graph names nodes by runtime id, but a subflow compiles a fresh graph every
// time it runs, so the nodes inside it (and inside subflows nested in it) carry
// runtime ids on their spans that the parent's snapshot never saw. What stays
// the same is the structure: so, scope by scope (the run, then each subflow the
// run executed), a node is matched to the spans of that scope's executions whose
// `junjo.executable_structural_id` is its `nodeStructuralId` (for a subflow
// node: its `subflowGraphStructuralId`, the id a subflow span carries). A span's
// execution is its nearest workflow/subflow ancestor span. A runtime id that
// does match (nodes outside subflows; v1's `junjo.id`; a subflow node's id is its
// span's definition id) is taken first; without structural ids (v1), a span of
// the same name in the scope.
export function nodeRuns(graph: WorkflowGraph, spans: Span[], runSpanId?: string): Map<string, NodeRun> {
  const junjo = spans.filter((s) => spanType(s) !== '' || attr(s, 'junjo.executable_runtime_id') !== '' || attr(s, 'junjo.id') !== '');
  const owner = owners(junjo);
  const root = runSpanId ?? junjo.find((s) => isRunSpan(s) && owner.get(s.span_id) === null)?.span_id;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  // The subflow node a node sits in (concurrent groups are transparent), or null for the run itself.
  const scopeOf = (node: GraphNode): string | null => {
    for (let p = node.parent ? byId.get(node.parent) : undefined, hops = 0; p && hops < graph.nodes.length; p = p.parent ? byId.get(p.parent) : undefined, hops++) {
      if (p.kind === 'subflow') return p.id;
    }
    return null;
  };
  const depth = (node: GraphNode): number => {
    let d = 0;
    for (let s = scopeOf(node); s !== null && d < graph.nodes.length; s = scopeOf(byId.get(s)!)) d++;
    return d;
  };
  // The executions of each scope: the run span (and, leniently, Junjo spans with no run above them), then each subflow's spans.
  const executions = new Map<string | null, Set<string | null>>([[null, new Set([root ?? null, null])]]);
  // A subflow node is run by a subflow span, any other node by a span that is not a run (a span that does not say what it is may be either).
  const fits = (node: GraphNode, span: Span) => (node.kind === 'subflow' ? ['subflow', ''].includes(spanType(span)) : !isRunSpan(span));
  const runs = new Map<string, NodeRun>();
  const taken = new Map<string, number>(); // key -> graph nodes already given spans with that key, per scope
  for (const node of [...graph.nodes].sort((a, b) => depth(a) - depth(b))) {
    const scope = scopeOf(node);
    const inScope = executions.get(scope) ?? new Set();
    let matched = junjo.filter(
      (s) => fits(node, s) && [attr(s, 'junjo.executable_runtime_id'), attr(s, 'junjo.id'), attr(s, 'junjo.executable_definition_id')].includes(node.id),
    );
    const key = node.kind === 'subflow' ? node.subflowGraphId : node.structuralId;
    if (matched.length === 0 && key) {
      const enclosing = scope === null ? graph.structuralId : byId.get(scope)?.subflowGraphId;
      matched = junjo.filter(
        (s) =>
          fits(node, s) &&
          inScope.has(owner.get(s.span_id) ?? null) &&
          attr(s, 'junjo.executable_structural_id') === key &&
          // A node span names the graph it ran in; a subflow span names its own graph there.
          (node.kind === 'subflow' || !enclosing || !attr(s, 'junjo.enclosing_graph_structural_id') || attr(s, 'junjo.enclosing_graph_structural_id') === enclosing),
      );
      // The same subflow (or node) twice in one scope: the executions are shared out in order.
      const twins = graph.nodes.filter((n) => n !== node && scopeOf(n) === scope && (n.kind === 'subflow' ? n.subflowGraphId : n.structuralId) === key && n.kind === node.kind);
      if (twins.length > 0) {
        const slot = `${scope}\u0000${key}`;
        const index = taken.get(slot) ?? 0;
        taken.set(slot, index + 1);
        matched = matched.sort((a, b) => a.start_ns - b.start_ns).filter((_, i) => i % (twins.length + 1) === index);
      }
    } else if (matched.length === 0 && !key) {
      matched = junjo.filter((s) => fits(node, s) && inScope.has(owner.get(s.span_id) ?? null) && s.name === node.label);
    }
    const run = summarize(matched);
    runs.set(node.id, run);
    if (node.kind === 'subflow') executions.set(node.id, new Set(run.spans.map((s) => s.span_id)));
  }
  return new Map(graph.nodes.map((n) => [n.id, runs.get(n.id)!])); // in the graph's order
}

// The graph node each span ran (every execution), for going from a span (a
// state step's, a clicked one) back to the graph.
export function nodeOfSpan(runs: Map<string, NodeRun>): Map<string, string> {
  const nodes = new Map<string, string>();
  for (const [id, run] of runs) for (const span of run.spans) nodes.set(span.span_id, id);
  return nodes;
}

export interface RunFailure {
  span: Span;
  message: string;
}

export interface RunSummary {
  // Node executions in the run, subflows' included.
  nodesRan: number;
  failure?: RunFailure;
  // The innermost cancelled span and why (junjo.cancelled_reason), when the run was cancelled.
  cancellation?: RunFailure;
}

// What a span says about its error: its exception event, else its status message, else error.type.
export function errorText(span: Span): string {
  const exception = (span.events ?? []).find((e) => e.name === 'exception');
  const type = text(exception?.attributes?.['exception.type']) || attr(span, 'error.type');
  const message = text(exception?.attributes?.['exception.message']) || span.status?.message || '';
  return [type, message].filter(Boolean).join(': ') || 'failed';
}

// The header's facts from the run's spans: how many node executions there were
// (Junjo's own junjo.workflow.node.count counts only the ones that completed),
// and where the run failed or was cancelled: the first such span that no such
// span sits under, i.e. the node, not the workflow or subflow that failed
// because of it.
export function runSummary(spans: Span[]): RunSummary {
  const nodesRan = spans.filter((s) => spanType(s) === 'node').length;
  const failed = innermost(spans, (s) => s.status?.code === 2);
  const cancelled = innermost(spans, (s) => spanOutcome(s) === 'cancelled');
  return {
    nodesRan,
    failure: failed ? { span: failed, message: errorText(failed) } : undefined,
    cancellation: cancelled ? { span: cancelled, message: attr(cancelled, 'junjo.cancelled_reason') || 'cancelled' } : undefined,
  };
}

// The first span (by start) that matches and has no matching span right under it.
function innermost(spans: Span[], matches: (span: Span) => boolean): Span | undefined {
  const matching = spans.filter(matches).sort((a, b) => a.start_ns - b.start_ns);
  const ids = new Set(matching.map((s) => s.span_id));
  const above = new Set(matching.filter((s) => ids.has(s.parent_span_id)).map((s) => s.parent_span_id));
  return matching.find((s) => !above.has(s.span_id));
}
