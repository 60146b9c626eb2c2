// Junjo's two workflow graph formats, read into one model the page draws:
//   v1 `junjo.workflow.graph_structure`:       {v:1, nodes:[{id,type,label,isSubgraph,children,isSubflow,...}], edges:[{id,source,target,condition,type,subflowId}]}
//   v2 `junjo.workflow.execution_graph_snapshot`: {v:2, graphStructuralId, nodes:[{nodeRuntimeId,...}], edges:[{tailNodeRuntimeId,headNodeRuntimeId,...}]}
// Concurrent groups and subflows become parents of the nodes inside them, so
// the drawing can nest them.

import type { Span } from '../api/types';

export type NodeKind = 'node' | 'concurrent' | 'subflow';

export interface GraphNode {
  id: string; // runtime id (v2) or id (v1): what node spans carry
  label: string;
  type: string;
  kind: NodeKind;
  parent?: string;
  structuralId?: string;
  subflowGraphId?: string;
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
    nodes.push({ id, label: text(item.label) || text(item.type) || id, type: text(item.type), kind });
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
  return finish('v1', nodes, edges, parents);
}

function parseV2(g: Json): WorkflowGraph {
  const nodes: GraphNode[] = [];
  const parents = new Map<string, string>();
  for (const item of list(g.nodes) as Json[]) {
    const id = text(item.nodeRuntimeId);
    const kind: NodeKind = item.isConcurrentSubgraph ? 'concurrent' : item.isSubflow ? 'subflow' : 'node';
    nodes.push({
      id,
      label: text(item.nodeLabel) || text(item.nodeType) || id,
      type: text(item.nodeType),
      kind,
      structuralId: text(item.nodeStructuralId) || undefined,
      subflowGraphId: text(item.subflowGraphStructuralId) || undefined,
    });
    for (const child of list(item.childNodeRuntimeIds)) parents.set(text(child), id);
    if (item.isSubflow) {
      if (item.subflowSourceNodeRuntimeId) parents.set(text(item.subflowSourceNodeRuntimeId), id);
      for (const sink of list(item.subflowSinkNodeRuntimeIds)) parents.set(text(sink), id);
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
  return finish('v2', nodes, edges, parents);
}

function finish(format: 'v1' | 'v2', nodes: GraphNode[], edges: GraphEdge[], parents: Map<string, string>): WorkflowGraph {
  const known = new Set(nodes.map((n) => n.id));
  for (const node of nodes) {
    const parent = parents.get(node.id);
    if (parent && parent !== node.id && known.has(parent)) node.parent = parent;
  }
  // Edges to nodes the graph does not list would break the layout: keep only drawable ones.
  return { format, nodes, edges: edges.filter((e) => known.has(e.source) && known.has(e.target)) };
}

export type Outcome = 'ok' | 'error' | 'cancelled' | 'not_run';

export interface NodeRun {
  outcome: Outcome;
  span?: Span;
}

function attr(span: Span, key: string): string {
  const value = span.attributes?.[key];
  return value == null ? '' : String(value);
}

// Which span ran each node and how it ended. Node spans carry the node's runtime
// id (v2 `junjo.executable_runtime_id`, v1 `junjo.id`); a subflow's span names the
// subflow graph by its structural id.
export function nodeRuns(graph: WorkflowGraph, spans: Span[]): Map<string, NodeRun> {
  const byRuntime = new Map<string, Span>();
  const byStructural = new Map<string, Span>();
  for (const span of spans) {
    const runtime = attr(span, 'junjo.executable_runtime_id') || attr(span, 'junjo.id');
    if (runtime && !byRuntime.has(runtime)) byRuntime.set(runtime, span);
    const structural = attr(span, 'junjo.executable_structural_id');
    if (structural && !byStructural.has(structural)) byStructural.set(structural, span);
  }
  const runs = new Map<string, NodeRun>();
  for (const node of graph.nodes) {
    const span = byRuntime.get(node.id) ?? (node.subflowGraphId ? byStructural.get(node.subflowGraphId) : undefined);
    if (!span) {
      runs.set(node.id, { outcome: 'not_run' });
      continue;
    }
    const failed = span.status?.code === 2;
    const cancelled = attr(span, 'junjo.cancelled') === 'true';
    runs.set(node.id, { outcome: failed ? 'error' : cancelled ? 'cancelled' : 'ok', span });
  }
  return runs;
}
