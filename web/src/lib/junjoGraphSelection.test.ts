import { describe, expect, it } from 'vitest';
import { projectRun, snapshotOf } from './__fixtures__/junjoSpans';
import { nodeOfSpan, nodeRuns, parseGraph } from './junjoGraph';
import { focusOf, readRunView, readStateTab, stepForKey, writeRunView, writeStateTab } from './junjoGraphSelection';

describe('the run page\'s URL state', () => {
  it('reads the step, clamped, with the first change as the default', () => {
    expect(readRunView(new URLSearchParams(''), 4)).toEqual({ step: 1 });
    expect(readRunView(new URLSearchParams(''), 0)).toEqual({ step: 0 });
    expect(readRunView(new URLSearchParams('step=3&span=ab&node=n'), 4)).toEqual({ step: 3, span: 'ab', node: 'n' });
    expect(readRunView(new URLSearchParams('step=9'), 4)).toEqual({ step: 4 });
    expect(readRunView(new URLSearchParams('step=-1'), 4)).toEqual({ step: 1 });
    expect(readRunView(new URLSearchParams('step=two'), 4)).toEqual({ step: 1 });
  });

  it('writes a view back, keeping other parameters and dropping a selection the view no longer has', () => {
    const written = writeRunView(new URLSearchParams('tab=x&span=old&node=old'), { step: 2 });
    expect(written.toString()).toBe('tab=x&step=2');
    expect(writeRunView(written, { step: 2, span: 's', node: 'n' }).toString()).toBe('tab=x&step=2&span=s&node=n');
    const again = readRunView(writeRunView(new URLSearchParams(), { step: 5, span: 'a' }), 6);
    expect(again).toEqual({ step: 5, span: 'a' });
  });

  it('keeps the state tab in the URL next to the step, After when none or an unknown one', () => {
    expect(readStateTab(new URLSearchParams('step=2'))).toBe('after');
    expect(readStateTab(new URLSearchParams('tab=bogus'))).toBe('after');
    const patch = writeStateTab(new URLSearchParams('step=2&span=s'), 'patch');
    expect(patch.toString()).toBe('step=2&span=s&tab=patch');
    expect(readStateTab(patch)).toBe('patch');
    expect(readStateTab(writeRunView(patch, { step: 3 }))).toBe('patch');
    expect(writeStateTab(patch, 'after').toString()).toBe('step=2&span=s');
  });

  it('steps with the left and right arrows within the steps', () => {
    expect(stepForKey('ArrowRight', 1, 3)).toBe(2);
    expect(stepForKey('ArrowLeft', 1, 3)).toBe(0);
    expect(stepForKey('ArrowLeft', 0, 3)).toBeNull();
    expect(stepForKey('ArrowRight', 3, 3)).toBeNull();
    expect(stepForKey('Enter', 1, 3)).toBeNull();
  });

  it('a step rings the node whose span changed the state and opens that span, unless a span was picked', () => {
    const spans = projectRun('subflow_in_concurrent');
    const graph = parseGraph(snapshotOf(spans))!;
    const runs = nodeRuns(graph, spans, spans[0].span_id);
    const nodeOf = nodeOfSpan(runs);
    const spansOf = new Map([...runs].map(([id, r]) => [id, r.spans.map((s) => s.span_id)]));
    const label = (id?: string) => graph.nodes.find((n) => n.id === id)?.label;
    // The run store's changes in order: StartNode, CountNode, SampleSubflow (its post-run action), then the workflow itself.
    const stepSpans = ['a100000000000002', 'a100000000000004', 'a100000000000005', 'a100000000000001'];
    const second = focusOf({ step: 2 }, stepSpans, nodeOf, spansOf);
    expect([label(second.currentNode), second.span, label(second.node)]).toEqual(['CountNode', 'a100000000000004', 'CountNode']);
    expect(label(focusOf({ step: 3 }, stepSpans, nodeOf, spansOf).currentNode)).toBe('SampleSubflow');
    // The run's own span is no node: nothing to ring.
    expect(focusOf({ step: 4 }, stepSpans, nodeOf, spansOf).currentNode).toBeUndefined();
    expect(focusOf({ step: 0 }, stepSpans, nodeOf, spansOf)).toEqual({ currentNode: undefined, span: undefined, node: undefined });
    const picked = focusOf({ step: 2, span: 'a100000000000006' }, stepSpans, nodeOf, spansOf);
    expect([label(picked.currentNode), label(picked.node)]).toEqual(['CountNode', 'CreateJokeNode']);
    const byNode = focusOf({ step: 1, node: graph.nodes.find((n) => n.label === 'SignOffNode')!.id }, stepSpans, nodeOf, spansOf);
    expect(byNode.span).toBe('a10000000000000d');
  });
});
