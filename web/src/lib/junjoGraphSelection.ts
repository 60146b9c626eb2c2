// What the run page shows, kept in its URL so that a link opens the same view:
// `?step=N` the state debugger's step (0: the start state), `span=` the span
// opened in the panel and `node=` its graph node (set by a click; stepping
// clears them, the step's own span and node being shown then).

export interface RunView {
  step: number;
  span?: string;
  node?: string;
}

// The step a run opens on when the URL names none: the first change, if any.
export const defaultStep = (stepCount: number) => (stepCount > 0 ? 1 : 0);

export function readRunView(search: URLSearchParams, stepCount: number): RunView {
  const raw = search.get('step');
  const parsed = raw !== null && /^\d+$/.test(raw) ? Number(raw) : defaultStep(stepCount);
  const view: RunView = { step: Math.min(Math.max(parsed, 0), stepCount) };
  const span = search.get('span');
  const node = search.get('node');
  if (span) view.span = span;
  if (node) view.node = node;
  return view;
}

// The URL's query for a view, other parameters kept.
export function writeRunView(search: URLSearchParams, view: RunView): URLSearchParams {
  const next = new URLSearchParams(search);
  next.set('step', String(view.step));
  for (const key of ['span', 'node'] as const) {
    const value = view[key];
    if (value) next.set(key, value);
    else next.delete(key);
  }
  return next;
}

// The state debugger's tab, `?tab=` (After when the URL names none or another).
export const STATE_TABS = ['before', 'after', 'patch', 'changes'] as const;
export type StateTab = (typeof STATE_TABS)[number];
const DEFAULT_TAB: StateTab = 'after';

export function readStateTab(search: URLSearchParams): StateTab {
  const raw = search.get('tab');
  return STATE_TABS.find((t) => t === raw) ?? DEFAULT_TAB;
}

export function writeStateTab(search: URLSearchParams, tab: StateTab): URLSearchParams {
  const next = new URLSearchParams(search);
  if (tab === DEFAULT_TAB) next.delete('tab');
  else next.set('tab', tab);
  return next;
}

// Left and right arrows step back and forth; null when the key does not step.
export function stepForKey(key: string, step: number, stepCount: number): number | null {
  const next = key === 'ArrowLeft' ? step - 1 : key === 'ArrowRight' ? step + 1 : step;
  return next !== step && next >= 0 && next <= stepCount ? next : null;
}

export interface Focus {
  // The node whose span made the current step's change.
  currentNode?: string;
  // The span opened in the panel and its node: the URL's, else the step's.
  span?: string;
  node?: string;
}

// Resolves a view against the run: stepSpans[i] is the span of step i + 1,
// nodeOf maps a span to its graph node and spansOf a node to its spans.
export function focusOf(view: RunView, stepSpans: string[], nodeOf: Map<string, string>, spansOf: Map<string, string[]>): Focus {
  const stepSpan = view.step > 0 ? stepSpans[view.step - 1] : undefined;
  const currentNode = stepSpan ? nodeOf.get(stepSpan) : undefined;
  if (view.span) return { currentNode, span: view.span, node: nodeOf.get(view.span) ?? view.node };
  if (view.node) return { currentNode, span: spansOf.get(view.node)?.at(-1), node: view.node };
  return { currentNode, span: stepSpan, node: currentNode };
}
