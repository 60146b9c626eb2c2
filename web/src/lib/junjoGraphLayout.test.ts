import { describe, expect, it } from 'vitest';
import { projectRun, snapshotOf } from './__fixtures__/junjoSpans';
import { parseGraph } from './junjoGraph';
import { distanceToLine, enterBox, inside, layoutGraph, leaveBox, midpoint, type Box, type Point } from './junjoGraphLayout';

const box = (x: number, y: number, width: number, height: number): Box => ({ x, y, width, height });
// On the border: inside with a little tolerance, not inside with a little less.
const onBorder = (p: Point, b: Box) => inside(p, b, 0.5) && !inside(p, b, -0.5);

describe('Junjo graph layout', () => {
  // A run concurrent group holding a subflow, conditions, a subflow holding a nested one.
  const graph = parseGraph(snapshotOf(projectRun('subflow_in_concurrent')))!;
  const layout = layoutGraph(graph);
  const id = (label: string) => graph.nodes.find((n) => n.label === label)!.id;

  it('draws concurrent groups and subflows as boxes around their nodes', () => {
    expect(layout.clusters.map((c) => graph.nodes.find((n) => n.id === c)!.label)).toEqual(['ParallelWork', 'ReviewSubflow', 'SampleSubflow', 'InnerSubflow']);
    expect(layout.leaves).toHaveLength(graph.nodes.length - 4);
    for (const node of graph.nodes.filter((n) => n.parent)) {
      const outer = layout.boxes.get(node.parent!)!;
      const own = layout.boxes.get(node.id)!;
      for (const corner of [{ x: own.x - own.width / 2, y: own.y - own.height / 2 }, { x: own.x + own.width / 2, y: own.y + own.height / 2 }]) {
        expect(inside(corner, outer), `${node.label} inside its box`).toBe(true);
      }
    }
  });

  it('lets edges leave a box from its border and arrive at a box\'s border, never crossing it', () => {
    const clusters = new Set(layout.clusters);
    const touching = layout.edges.filter(({ edge }) => clusters.has(edge.source) || clusters.has(edge.target));
    // start -> group, group -> even and odd, even and odd -> review, review -> final, check -> inner subflow
    expect(touching.length).toBe(7);
    for (const { edge, points } of layout.edges) {
      for (const [end, point, others] of [
        [edge.source, points[0], points.slice(1)],
        [edge.target, points.at(-1)!, points.slice(0, -1)],
      ] as const) {
        if (!clusters.has(end)) continue;
        const b = layout.boxes.get(end)!;
        expect(onBorder(point, b), `${edge.id} touches the border of ${end}`).toBe(true);
        for (const p of others) expect(inside(p, b, -0.5), `${edge.id} stays out of ${end}`).toBe(false);
      }
    }
  });

  it('puts each condition on its own edge, outside the boxes it joins', () => {
    const labelled = layout.edges.filter((e) => e.edge.label);
    expect(labelled.map((e) => e.edge.label)).toEqual(['CounterIsEven()', 'CounterIsOdd()', 'MatchesCount(15)']);
    for (const { edge, points, labelAt } of labelled) {
      expect(distanceToLine(labelAt!, points), `${edge.label} on its edge`).toBeLessThan(1.5);
      for (const end of [edge.source, edge.target]) expect(inside(labelAt!, layout.boxes.get(end)!, -1), `${edge.label} outside ${end}`).toBe(false);
    }
    expect(layout.boxes.get(id('EvenNode'))!.y).toBeGreaterThan(layout.boxes.get(id('ParallelWork'))!.y);
  });

  it('cuts a line where it leaves or enters a box', () => {
    const b = box(0, 0, 20, 20);
    expect(leaveBox([{ x: 0, y: 0 }, { x: 0, y: 5 }, { x: 0, y: 30 }], b)).toEqual([{ x: 0, y: 10 }, { x: 0, y: 30 }]);
    expect(enterBox([{ x: -40, y: 0 }, { x: 0, y: 0 }], b)).toEqual([{ x: -40, y: 0 }, { x: -10, y: 0 }]);
    expect(leaveBox([{ x: 50, y: 50 }, { x: 60, y: 60 }], b)).toEqual([{ x: 50, y: 50 }, { x: 60, y: 60 }]);
    expect(leaveBox([{ x: 0, y: 0 }, { x: 1, y: 1 }], b)).toBeNull();
    expect(midpoint([{ x: 0, y: 0 }, { x: 0, y: 10 }, { x: 10, y: 10 }])).toEqual({ x: 0, y: 10 });
  });
});
