// The graph page's logic against what the real Junjo Python SDK (0.66, in
// ../shared/clients/python) sends: junjo_sdk_shapes.py runs the workflows
// (a subflow inside a RunConcurrent, conditions, a nested subflow, a failing
// node, a cancelled run) and hands back their spans. Skipped, saying why, on a
// clone without ../shared or where the kit cannot be set up; the project's own
// runs (junjo-run-shapes.json) cover the same shapes in the other tests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../api/types';
import { snapshotOf, toSpans } from './__fixtures__/junjoSpans';
import { nodeRuns, parseGraph, runSummary, type WorkflowGraph } from './junjoGraph';
import { inside, layoutGraph } from './junjoGraphLayout';

const kit = resolve(__dirname, '../../../../shared/clients/python/setup.sh');
let why = existsSync(kit) ? '' : 'needs ../shared/clients/python (the real Junjo SDK): this clone has no ../shared (see README Tests)';
let runs: Record<string, Span[]> = {};
const scratch = mkdtempSync(join(tmpdir(), 'junjo-sdk-'));

beforeAll(() => {
  if (why) return;
  let pythonPath = '';
  try {
    pythonPath = execFileSync(kit, [scratch], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    why = `the Python kit could not be set up: ${String((error as { stderr?: string }).stderr ?? error).trim()}`;
    return;
  }
  const out = join(scratch, 'runs.json');
  execFileSync('python3', [resolve(__dirname, '__fixtures__/junjo_sdk_shapes.py'), out], {
    env: { ...process.env, PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: '1' },
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 60_000,
  });
  const file = JSON.parse(readFileSync(out, 'utf8')) as { runs: Record<string, { trace_id: string; spans: Record<string, unknown>[] }> };
  runs = Object.fromEntries(Object.entries(file.runs).map(([name, run]) => [name, toSpans(run)]));
}, 90_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Each graph node as "label in box: outcome", in the graph's order.
function drawn(spans: Span[]): { graph: WorkflowGraph; outcomes: string[] } {
  const graph = parseGraph(snapshotOf(spans))!;
  const matched = nodeRuns(graph, spans, spans[0].span_id);
  const label = (id?: string) => graph.nodes.find((n) => n.id === id)?.label ?? '-';
  return { graph, outcomes: graph.nodes.map((n) => `${n.label} in ${label(n.parent)}: ${matched.get(n.id)!.outcome}`).sort() };
}

describe('Junjo graphs as the real SDK sends them', () => {
  it('a subflow inside a RunConcurrent, with a nested subflow: every node that ran is drawn as run', (ctx) => {
    if (why) ctx.skip(why);
    const spans = runs.SampleWorkflow;
    const { graph, outcomes } = drawn(spans);
    expect(outcomes).toEqual([
      'CountNode in ParallelWork: ok',
      'CreateFactNode in InnerSubflow: ok',
      'CreateFactNode in SampleSubflow: ok',
      'CreateJokeNode in SampleSubflow: ok',
      'EvenNode in -: ok',
      'FinalNode in -: ok',
      'InnerSubflow in SampleSubflow: ok',
      'OddNode in -: not_run',
      'ParallelWork in -: ok',
      'SampleSubflow in ParallelWork: ok',
      'StartNode in -: ok',
      'SummarizeNode in InnerSubflow: ok',
    ]);
    // The reason structure is needed: the SDK renews the ids of the nodes inside a subflow when it runs.
    const joke = graph.nodes.find((n) => n.label === 'CreateJokeNode')!;
    expect(spans.some((s) => s.attributes?.['junjo.executable_runtime_id'] === joke.id)).toBe(false);
    expect(runSummary(spans)).toMatchObject({ nodesRan: 8, failure: undefined, cancellation: undefined });
  });

  it('its conditions sit on their edges and its edges leave the boxes from their border', (ctx) => {
    if (why) ctx.skip(why);
    const graph = parseGraph(snapshotOf(runs.SampleWorkflow))!;
    const layout = layoutGraph(graph);
    expect(layout.edges.filter((e) => e.edge.label).map((e) => e.edge.label).sort()).toEqual(['CounterIsEven()', 'MatchesCount(2)']);
    const clusters = new Set(layout.clusters);
    for (const { edge, points, labelAt } of layout.edges) {
      for (const end of [edge.source, edge.target]) {
        const b = layout.boxes.get(end)!;
        if (clusters.has(end)) for (const p of points.slice(1, -1)) expect(inside(p, b, -0.5), `${edge.id} crosses ${end}`).toBe(false);
        if (labelAt) expect(inside(labelAt, b, -1), `${edge.label} inside ${end}`).toBe(false);
      }
    }
  });

  it('a failing node: red, the node after it grey, and the header says where and why', (ctx) => {
    if (why) ctx.skip(why);
    const spans = runs.FailingWorkflow;
    expect(drawn(spans).outcomes).toEqual(['FinalNode in -: not_run', 'ParseNode in -: error', 'StartNode in -: ok']);
    expect(spans[0].attributes?.['junjo.workflow.node.count']).toBe(1);
    const summary = runSummary(spans);
    expect(summary.nodesRan).toBe(2);
    expect([summary.failure?.span.name, summary.failure?.message]).toEqual(['ParseNode', 'ValueError: bad input: expected JSON']);
  });

  it('a cancelled run: the waiting node is cancelled, the one after it grey', (ctx) => {
    if (why) ctx.skip(why);
    const spans = runs.CancelledWorkflow;
    expect(drawn(spans).outcomes).toEqual(['FinalNode in -: not_run', 'SlowNode in -: cancelled', 'StartNode in -: ok']);
    expect(runSummary(spans)).toMatchObject({ nodesRan: 2, cancellation: { message: 'cancelled' } });
  });
});
