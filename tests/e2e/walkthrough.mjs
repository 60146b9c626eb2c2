#!/usr/bin/env node
// Walks the web UI in real headless Chromium against a running pipeline, the way
// a new user would: first-user setup, an API key, spans sent with it, search,
// the waterfall, a Junjo run stepped through to a known state, the pipeline
// counters moving, the live switch, a v2 graph, a 50,000-span trace, a Junjo
// stable link opened before its run arrived, and the key
// revoked. Saves a screenshot of each page. Exit 0 when every step held.
//
// Usage: walkthrough.mjs --ui http://127.0.0.1:PORT --grpc 127.0.0.1:PORT --otlp-http http://127.0.0.1:PORT
//                        --screenshots DIR --workflow FILE --concurrent-workflow FILE
//                        (--python-path PATH | --no-python-reason WHY)
// With --python-path, the real Junjo SDK's runs are exported with Junjo's own
// exporter and drawn too; without, that step says why it was skipped.
// The two files are Junjo runs as OTLP/JSON (a two-node workflow with state steps,
// and one with a RunConcurrent node); what the pages must show is read from them.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { attributeList, CHROMIUM_ARGS, sendBigTrace } from './otlp-json.mjs';

const { values: args } = parseArgs({
  options: {
    ui: { type: 'string' },
    grpc: { type: 'string' },
    'otlp-http': { type: 'string' },
    screenshots: { type: 'string' },
    workflow: { type: 'string' },
    'concurrent-workflow': { type: 'string' },
    // A Junjo agent run inside a workflow node, as OTLP/JSON (tests/support/junjo_agent.h).
    agent: { type: 'string' },
    // The PYTHONPATH of ../shared/clients/python (the real Junjo SDK), or why there is none.
    'python-path': { type: 'string' },
    'no-python-reason': { type: 'string' },
  },
});
const here = dirname(fileURLToPath(import.meta.url));
const sender = resolve(here, '../js/otel-send.mjs');
mkdirSync(args.screenshots, { recursive: true });

const steps = [];
function step(name) {
  steps.push(name);
  console.error(`step: ${name}`);
}
function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

// Real OpenTelemetry JS SDK spans, sent with the key.
function sendWithSdk(key, service, traces, spansPerTrace) {
  const out = execFileSync('node', [sender, '--endpoint', `http://${args.grpc}`, '--traces', String(traces), '--spans-per-trace',
    String(spansPerTrace), '--service', service, '--header', `x-junjo-api-key=${key}`], { encoding: 'utf8' });
  return JSON.parse(out);
}

// A Junjo run (OTLP/JSON) and what its pages must show, read from the run itself:
// the workflow span's name, the graph's nodes and concurrent groups, the number
// of state steps, and the last step's patch.
function readRun(file) {
  const body = JSON.parse(readFileSync(file, 'utf8'));
  const spans = body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const attribute = (span, key) => span.attributes.find((a) => a.key === key)?.value;
  const workflow = spans.find((s) => attribute(s, 'junjo.span_type')?.stringValue === 'workflow');
  const graph = JSON.parse(attribute(workflow, 'junjo.workflow.execution_graph_snapshot').stringValue);
  const steps = spans.flatMap((s) => (s.events ?? []).filter((e) => e.name === 'set_state'))
    .map((e) => ({ sequence: Number(attribute(e, 'junjo.store.transition.sequence')?.intValue ?? 0), time: BigInt(e.timeUnixNano),
      patch: JSON.parse(attribute(e, 'junjo.state_json_patch').stringValue) }))
    .sort((a, b) => a.sequence - b.sequence || (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const last = steps.at(-1).patch.at(-1);
  return {
    body, name: workflow.name, steps: steps.length, lastPath: last.path, lastValue: JSON.stringify(last.value),
    nodes: graph.nodes.filter((n) => !n.isConcurrentSubgraph).length, groups: graph.nodes.filter((n) => n.isConcurrentSubgraph).length,
  };
}
const workflowRun = readRun(args.workflow);
const concurrentRun = readRun(args['concurrent-workflow']);

// Sends a run over OTLP/HTTP JSON; with traceId, as another run of the same workflow.
async function sendRun(key, run, traceId) {
  const body = structuredClone(run.body);
  if (traceId) for (const r of body.resourceSpans) for (const s of r.scopeSpans) for (const span of s.spans) span.traceId = traceId;
  const response = await fetch(`${args['otlp-http']}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-junjo-api-key': key }, body: JSON.stringify(body),
  });
  check(response.status === 200, `run ${run.name} accepted (got ${response.status} ${await response.text()})`);
}

// A copy of a run whose workflow has another runtime id (and its nodes that id as their parent's).
function withRuntimeId(run, runtimeId) {
  const body = structuredClone(run.body);
  const spans = body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  const workflow = spans.find((s) => s.attributes.some((a) => a.key === 'junjo.span_type' && a.value.stringValue === 'workflow'));
  const old = workflow.attributes.find((a) => a.key === 'junjo.executable_runtime_id').value.stringValue;
  for (const span of spans) for (const a of span.attributes) if (a.value.stringValue === old) a.value.stringValue = runtimeId;
  return { ...run, body };
}

// `count` copies of a run in one OTLP/JSON request, each in its own trace (ids e2e5...), for the runs list's paging.
async function sendCopies(key, run, count) {
  const body = { resourceSpans: [] };
  for (let i = 0; i < count; i++) {
    const traceId = `e2e5${String(i).padStart(28, '0')}`;
    for (const r of structuredClone(run.body).resourceSpans) {
      for (const s of r.scopeSpans) for (const span of s.spans) span.traceId = traceId;
      body.resourceSpans.push(r);
    }
  }
  const response = await fetch(`${args['otlp-http']}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-junjo-api-key': key }, body: JSON.stringify(body),
  });
  check(response.status === 200, `${count} copies of ${run.name} accepted (got ${response.status} ${await response.text()})`);
}

// The web UI's own Junjo runs (web/src/lib/__fixtures__/junjo-run-shapes.json: a
// subflow inside a RunConcurrent with conditions and a nested subflow, a failing
// node, a cancelled run), sent as OTLP/JSON the way the Junjo exporter sends
// them. Returns them by name with the run span's id.
async function sendShapes(key) {
  const shapes = JSON.parse(readFileSync(resolve(here, '../../web/src/lib/__fixtures__/junjo-run-shapes.json'), 'utf8')).runs;
  const nanos = (iso) => (BigInt(Date.parse(iso)) * 1_000_000n).toString();
  // A graph or state written as an object travels as its JSON string, as the SDK sends it.
  const attributes = (map) => attributeList(Object.fromEntries(Object.entries(map ?? {})
    .map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : v])));
  for (const run of Object.values(shapes)) {
    const spans = run.spans.map((s) => ({
      traceId: run.trace_id, spanId: s.span_id, parentSpanId: s.parent_span_id, name: s.name, kind: 1,
      startTimeUnixNano: nanos(s.start_time), endTimeUnixNano: nanos(s.end_time), attributes: attributes(s.attributes_json),
      events: s.events_json.map((e) => ({ name: e.name, timeUnixNano: e.timeUnixNano, attributes: attributes(e.attributes) })),
      status: { code: Number(s.status_code), message: s.status_message },
    }));
    const body = { resourceSpans: [{ resource: { attributes: attributeList({ 'service.name': run.service_name }) },
      scopeSpans: [{ scope: { name: 'junjo' }, spans }] }] };
    const response = await fetch(`${args['otlp-http']}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-junjo-api-key': key }, body: JSON.stringify(body),
    });
    check(response.status === 200, `run ${run.spans[0].name} accepted (got ${response.status} ${await response.text()})`);
  }
  return Object.fromEntries(Object.entries(shapes).map(([name, run]) => [name, { path: `/workflows/${run.trace_id}/${run.spans[0].span_id}`, run }]));
}

// The same shapes run by the real Junjo SDK (web/src/lib/__fixtures__/junjo_sdk_shapes.py), exported to the
// gateway with Junjo's own exporter and the key. Returns each run's page by workflow name.
function exportSdkShapes(key) {
  const out = resolve(args.screenshots, 'junjo-sdk-shapes.json');
  execFileSync('python3', [resolve(here, '../../web/src/lib/__fixtures__/junjo_sdk_shapes.py'), out, '--export', args.grpc, key,
    'e2e-junjo-sdk'], { env: { ...process.env, PYTHONPATH: args['python-path'], PYTHONDONTWRITEBYTECODE: '1' }, stdio: 'inherit',
    timeout: 90_000 });
  const { runs } = JSON.parse(readFileSync(out, 'utf8'));
  return Object.fromEntries(Object.entries(runs).map(([name, run]) => [name, { path: `/workflows/${run.trace_id}/${run.spans[0].span_id}`, run }]));
}

// One span as OTLP/JSON with every dropped count, both schema URLs and a NaN double ("NaN", as OTLP/JSON writes it).
async function sendSpanWithEveryField(key) {
  const traceId = 'f1e1d500000000000000000000000001', spanId = 'f1e1d50000000001';
  const resourceSchemaUrl = 'https://opentelemetry.io/schemas/1.26.0', scopeSchemaUrl = 'https://opentelemetry.io/schemas/1.24.0';
  const start = BigInt(Date.now()) * 1_000_000n;
  const body = { resourceSpans: [{
    resource: { attributes: attributeList({ 'service.name': 'e2e-fields' }), droppedAttributesCount: 1 }, schemaUrl: resourceSchemaUrl,
    scopeSpans: [{ scope: { name: 'e2e-scope', version: '1.2.3', droppedAttributesCount: 2 }, schemaUrl: scopeSchemaUrl, spans: [{
      traceId, spanId, name: 'fields', kind: 1, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 1_000_000n),
      attributes: [{ key: 'ratio', value: { doubleValue: 'NaN' } }],
      droppedAttributesCount: 3, droppedEventsCount: 1, droppedLinksCount: 2,
      events: [{ name: 'e', timeUnixNano: String(start), droppedAttributesCount: 4 }],
      links: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), droppedAttributesCount: 5 }],
    }] }],
  }] };
  const response = await fetch(`${args['otlp-http']}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-junjo-api-key': key }, body: JSON.stringify(body),
  });
  check(response.status === 200, `the span with every field accepted (got ${response.status} ${await response.text()})`);
  return { traceId, spanId, resourceSchemaUrl, scopeSchemaUrl };
}

async function shot(page, name) {
  await page.screenshot({ path: `${args.screenshots}/${name}.png`, fullPage: false });
}

async function until(page, what, probe, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(500);
  }
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: CHROMIUM_ARGS,
});
const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
const page = await context.newPage();
const consoleErrors = [];
page.on('pageerror', (error) => consoleErrors.push(String(error)));
const timings = {};
try {
  step('first-user setup');
  await page.goto(args.ui);
  await page.getByRole('form', { name: 'Create the first user' }).waitFor();
  await shot(page, '01-setup');
  await page.getByLabel('Email').fill('owner@example.com');
  await page.getByLabel('Password').fill('a long password');
  await page.getByRole('button', { name: 'Create user and sign in' }).click();
  await page.getByRole('heading', { name: 'Services' }).waitFor();
  await shot(page, '02-services-empty');

  step('sign out and sign in again');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('form', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill('owner@example.com');
  await page.getByLabel('Password').fill('a long password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Services' }).waitFor();

  step('create an API key');
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Key name').fill('e2e');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = (await page.getByTestId('new-key-value').textContent()).trim();
  check(key.startsWith('spl_'), `a key is shown once (${key})`);
  await shot(page, '03-settings-new-key');

  step('send spans with the key');
  const sent = sendWithSdk(key, 'e2e-svc', 5, 4);
  check(sent.acked.length === 20, 'the SDK had all 20 spans acked');
  await sendRun(key, workflowRun);
  await sendRun(key, concurrentRun);

  step('find the trace by search');
  await page.goto(`${args.ui}/traces?service=e2e-svc`);
  await until(page, 'five e2e-svc traces', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Traces' }).waitFor();
    return (await page.getByTestId('trace-results').locator('tbody tr').count().catch(() => 0)) === 5;
  });
  await shot(page, '04-traces-search');

  step('open the waterfall');
  await page.getByTestId('trace-results').locator('tbody tr a').first().click();
  await page.getByTestId('waterfall').waitFor();
  check((await page.getByRole('treeitem').count()) === 4, 'four spans in the waterfall');
  await page.getByRole('treeitem').nth(1).click();
  await page.getByTestId('span-detail').getByText(/^Attributes \(/).waitFor();
  await shot(page, '05-trace-waterfall');

  step('a span shows what was dropped of it and its schema URLs');
  const fields = await sendSpanWithEveryField(key);
  await until(page, 'the span with every field', async () => {
    await page.goto(`${args.ui}/traces/${fields.traceId}?span=${fields.spanId}`);
    return (await page.getByTestId('span-dropped').count().catch(() => 0)) === 1;
  });
  const detail = page.getByTestId('span-detail');
  const text = async (id) => (await detail.getByTestId(id).first().textContent())?.trim();
  check((await text('span-dropped')) === '3 attributes, 1 event, 2 links dropped', `the span's dropped counts (${await text('span-dropped')})`);
  check((await text('event-dropped')) === '4 attributes dropped', 'the event\'s dropped count');
  check((await text('link-dropped')) === '5 attributes dropped', 'the link\'s dropped count');
  check((await text('scope-schema-url')) === `schema ${fields.scopeSchemaUrl}`, 'the scope\'s schema URL');
  check((await text('scope-dropped')) === '2 attributes dropped', 'the scope\'s dropped count');
  check((await text('resource-schema-url')) === `resource schema ${fields.resourceSchemaUrl}`, 'the resource\'s schema URL');
  check((await text('resource-dropped')) === 'resource: 1 attribute dropped', 'the resource\'s dropped count');
  check((await detail.locator('table.kv tr', { hasText: 'ratio' }).textContent()).includes('NaN'), 'a NaN double reads NaN');
  await shot(page, '05b-span-dropped-and-schema-urls');

  step('step through a Junjo run to a known state');
  await page.getByRole('link', { name: 'Workflows' }).click();
  await page.getByRole('link', { name: workflowRun.name }).first().click();
  await page.getByTestId('workflow-graph').waitFor();
  check((await page.getByTestId('workflow-graph').locator('g.node').count()) === workflowRun.nodes,
    `the ${workflowRun.name} graph has ${workflowRun.nodes} nodes`);
  const lastStep = `step ${workflowRun.steps}`;
  for (let i = 0; i < workflowRun.steps + 3 && !(await page.getByTestId('step-position').textContent()).startsWith(lastStep); i++) {
    await page.getByRole('button', { name: 'Next step' }).click();
  }
  check((await page.getByTestId('step-position').textContent()).startsWith(lastStep), `reached ${lastStep}`);
  check((await page.getByTestId('state-json').textContent()).includes(workflowRun.lastValue),
    `the state after ${lastStep} has ${workflowRun.lastPath} = ${workflowRun.lastValue}`);
  await page.getByRole('tab', { name: 'Changes' }).click();
  check((await page.getByTestId('state-changes').textContent()).includes(workflowRun.lastPath),
    `the Changes view names ${workflowRun.lastPath}`);
  await shot(page, '06-workflow-state-debugger');

  step('compare two runs of the same workflow');
  await sendRun(key, workflowRun, 'abababababababababababababababab');
  await page.getByRole('link', { name: 'Workflows' }).click();
  let seen = 0;
  await until(page, `two ${workflowRun.name} runs (seen: count)`, async () => {
    await page.reload();
    await page.getByTestId('workflow-runs').waitFor();
    seen = await page.getByRole('link', { name: workflowRun.name }).count();
    if (seen !== 2) console.error(`${workflowRun.name} runs listed: ${seen}`);
    return seen === 2;
  });
  await page.getByRole('link', { name: workflowRun.name }).first().click();
  const compareWith = page.getByLabel('Compare with run');
  await compareWith.waitFor();
  await compareWith.selectOption({ index: 1 });
  await page.getByTestId('compare-node').first().waitFor();
  check((await page.getByTestId('compare-node').count()) === workflowRun.nodes, `all ${workflowRun.nodes} nodes are compared`);
  check((await page.getByText('Both runs ended in the same state.').count()) === 1, 'equal end states are said to be equal');
  await shot(page, '07-compare-runs');

  step('a Junjo v2 concurrent graph renders');
  await page.getByRole('link', { name: 'Workflows' }).click();
  await page.getByRole('link', { name: concurrentRun.name }).first().click();
  await page.getByTestId('workflow-graph').waitFor();
  check((await page.getByTestId('workflow-graph').locator('g.cluster').count()) === concurrentRun.groups,
    'the concurrent group is drawn around its branches');
  check((await page.getByTestId('workflow-graph').locator('g.node').count()) === concurrentRun.nodes,
    `the ${concurrentRun.nodes} nodes, branches included, are drawn`);
  await shot(page, '08-workflow-concurrent-graph');

  step('a subflow inside a concurrent group is drawn as run, and the state debugger moves the graph');
  const shapes = await sendShapes(key);
  for (const [name, { path }] of Object.entries(shapes)) {
    await until(page, `the ${name} run to be indexed`, async () => (await page.request.get(`${args.ui}/api/v1${path}`)).ok());
  }
  await page.goto(`${args.ui}${shapes.subflow_in_concurrent.path}?step=2`);
  const runGraph = page.getByTestId('workflow-graph');
  await runGraph.waitFor();
  const drawn = (label) => runGraph.locator(`[aria-label^="${label}:"]`);
  // What the page must draw for the subflow-in-concurrent shape, whoever made the run.
  const checkSubflowShape = async (who) => {
    // The SDK's run has CreateFactNode in both subflows: every drawing of a node must say it ran.
    for (const label of ['CreateJokeNode', 'CreateFactNode', 'SummarizeNode', 'SampleSubflow', 'InnerSubflow']) {
      const outcomes = await drawn(label).evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-outcome')));
      check(outcomes.length > 0 && outcomes.every((o) => o === 'ok'), `${who}: ${label}, inside a subflow, is drawn as run (${outcomes})`);
    }
    check((await drawn('OddNode').getAttribute('data-outcome')) === 'not_run', `${who}: the branch whose condition failed is grey`);
    check((await runGraph.locator('[data-outcome="not_run"]').count()) === 1, `${who}: only that branch is grey`);
    check((await runGraph.locator('[data-edge-label="CounterIsEven()"] .edge-label').count()) === 1, `${who}: the condition is drawn on its edge`);
  };
  await checkSubflowShape('project run');
  const ringed = async () => (await runGraph.locator('[data-current="true"]').getAttribute('aria-label'))?.split(':')[0];
  check((await runGraph.locator('[data-current="true"]').count()) === 1 && (await ringed()) === 'CountNode', '?step=2 rings CountNode, whose span made step 2');
  check((await page.getByTestId('span-detail').locator('h2').textContent()) === 'CountNode', '?step=2 opens CountNode\'s span');
  await shot(page, '08d-workflow-subflow-step-2');
  await page.keyboard.press('ArrowRight');
  await until(page, '→ to reach step 3', async () => new URL(page.url()).searchParams.get('step') === '3', 5_000);
  check((await ringed()) === 'SampleSubflow', 'step 3 rings the subflow that changed the parent state');
  check((await page.getByTestId('step-position').textContent()).startsWith('step 3'), 'the debugger shows step 3');
  await drawn('CreateJokeNode').click();
  await until(page, 'the clicked node\'s span in the URL', async () => new URL(page.url()).searchParams.get('span') === 'a100000000000006', 5_000);
  check((await page.getByTestId('span-detail').locator('h2').textContent()) === 'CreateJokeNode', 'a click on a node inside a subflow opens its span');
  await shot(page, '08e-workflow-subflow-node-clicked');
  await page.goto(`${args.ui}${shapes.failing_node.path}`);
  await page.getByTestId('run-failure').waitFor();
  check((await page.getByTestId('run-facts').textContent()).includes('2 nodes ran'), 'a failing run\'s header counts both nodes that ran');
  check((await page.getByTestId('run-failure').textContent()) === 'Failed in ParseNode: ValueError: bad input: expected JSON',
    `the header names the failing node and its error (${await page.getByTestId('run-failure').textContent()})`);
  check((await drawn('ParseNode').getAttribute('data-outcome')) === 'error', 'the failing node is drawn failed');
  check((await page.getByTestId('run-hook-error').textContent()) === 'Hook notify_on_call failed on workflow_failed: ConnectionError: pager unreachable',
    `the header says which hook failed (${await page.getByTestId('run-hook-error').textContent()})`);
  await shot(page, '08f-workflow-failing-run');
  await page.goto(`${args.ui}${shapes.cancelled.path}`);
  await page.getByTestId('run-cancellation').waitFor();
  check((await drawn('SlowNode').getAttribute('data-outcome')) === 'cancelled', 'the cancelled node is drawn cancelled');
  await shot(page, '08g-workflow-cancelled-run');

  step('the same shapes, run by the real Junjo SDK and exported with its exporter, are drawn the same');
  if (!args['python-path']) {
    console.error(`skipped: ${args['no-python-reason'] ?? 'no --python-path'}`);
  } else {
    const sdk = exportSdkShapes(key);
    for (const [name, { path }] of Object.entries(sdk)) {
      await until(page, `the SDK's ${name} run to be indexed`, async () => (await page.request.get(`${args.ui}/api/v1${path}`)).ok());
    }
    await page.goto(`${args.ui}${sdk.SampleWorkflow.path}`);
    await runGraph.waitFor();
    // A run is indexed as its spans arrive: wait for the subflow's nodes before judging.
    await until(page, 'the SDK run\'s subflow nodes', async () => {
      await page.reload();
      await runGraph.waitFor();
      return (await drawn('SummarizeNode').first().getAttribute('data-outcome').catch(() => null)) === 'ok';
    });
    await checkSubflowShape('Junjo SDK run');
    await shot(page, '08h-sdk-subflow-in-concurrent');
    await page.goto(`${args.ui}${sdk.FailingWorkflow.path}`);
    await page.getByTestId('run-failure').waitFor();
    check((await page.getByTestId('run-failure').textContent()) === 'Failed in ParseNode: ValueError: bad input: expected JSON',
      `Junjo SDK run: the header names the failing node (${await page.getByTestId('run-failure').textContent()})`);
    check((await drawn('ParseNode').getAttribute('data-outcome')) === 'error', 'Junjo SDK run: the failing node is drawn failed');
    check((await drawn('StartNode').getAttribute('data-outcome')) === 'ok', 'Junjo SDK run: the node before it is drawn as run');
    check((await drawn('FinalNode').getAttribute('data-outcome')) === 'not_run', 'Junjo SDK run: the node after it did not run');
    await shot(page, '08i-sdk-failing-run');
    await page.goto(`${args.ui}${sdk.CancelledWorkflow.path}`);
    await page.getByTestId('run-cancellation').waitFor();
    check((await drawn('SlowNode').getAttribute('data-outcome')) === 'cancelled', 'Junjo SDK run: the cancelled node is drawn cancelled');
    await shot(page, '08j-sdk-cancelled-run');
  }

  step('a Junjo agent run: its page, its operations in order, its parent workflow and back');
  {
    const agent = JSON.parse(readFileSync(args.agent, 'utf8'));
    const agentSpans = agent.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((sc) => sc.spans));
    const runSpan = agentSpans.find((sp) => sp.attributes.some((a) => a.key === 'junjo.span_type' && a.value.stringValue === 'agent'));
    const nodeSpan = agentSpans.find((sp) => sp.spanId === runSpan.parentSpanId);
    const workflowSpan = agentSpans.find((sp) => sp.spanId === nodeSpan.parentSpanId);
    const response = await fetch(`${args['otlp-http']}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-junjo-api-key': key }, body: JSON.stringify(agent),
    });
    check(response.status === 200, `the agent run accepted (got ${response.status})`);
    const agentPath = `/agents/${runSpan.traceId}/${runSpan.spanId}`;
    await until(page, 'the agent run to be indexed', async () => {
      const answer = await page.request.get(`${args.ui}/api/v1${agentPath}`);
      return answer.ok() && (await answer.json()).operations.length === 4;
    });
    await page.goto(`${args.ui}/workflows?type=agent`);
    await page.getByRole('link', { name: runSpan.name }).first().click();
    await page.waitForURL(new RegExp(`${agentPath}(\\?|$)`), { timeout: 10_000 });
    const operations = page.getByTestId('agent-operation');
    await operations.first().waitFor();
    check((await page.getByTestId('agent-outcome').textContent()).trim() === 'failed', 'the agent\'s outcome is said');
    check((await page.getByTestId('agent-termination-reason').textContent()).includes('tool_input_validation_error'), 'and why it ended');
    check((await operations.count()) === 4, 'four operations, model request -> tool -> model request -> tool');
    check(JSON.stringify(await operations.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')))) ===
      JSON.stringify(['model_request', 'tool_call', 'model_request', 'tool_call']), 'in sequence order');
    const badTool = operations.nth(3);
    check((await badTool.getAttribute('data-outcome')) === 'error', 'the tool call that failed validation is failed');
    check((await badTool.getByTestId('agent-arguments-verdict').getAttribute('data-state')) === 'failed', 'its arguments are marked as failing validation');
    check((await badTool.getByTestId('agent-requested-arguments').textContent()).includes('warm'), 'the requested arguments are shown');
    check((await page.getByTestId('agent-usage-total').textContent()).includes('92 total'), `the usage in total (${await page.getByTestId('agent-usage-total').textContent()})`);
    check((await page.getByTestId('agent-usage-request').count()) === 2, 'usage per model request');
    check((await page.getByTestId('agent-hook-error').count()) === 1, 'the hook error is shown');
    check((await page.getByTestId('run-llm-totals').textContent()).startsWith('2 LLM calls · 75 in / 17 out tokens'),
      `the run's LLM calls add up (${await page.getByTestId('run-llm-totals').textContent()})`);
    await page.getByRole('button', { name: 'Open tool to_fahrenheit' }).click();
    const badToolSpan = await badTool.getAttribute('data-span-id');
    await until(page, 'the opened operation in the URL', async () => new URL(page.url()).searchParams.get('op') === badToolSpan, 5_000);
    check((await page.getByTestId('span-detail').locator('h2').textContent()) === 'tool to_fahrenheit', 'the operation\'s span opens');
    await shot(page, '08k-agent-run');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await operations.first().waitFor();
    check(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'the agent page fits a phone\'s width');
    await shot(page, '08l-agent-run-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.getByTestId('agent-parent-run').getByRole('link', { name: `workflow ${workflowSpan.name}` }).click();
    await page.waitForURL(new RegExp(`/workflows/${runSpan.traceId}/${workflowSpan.spanId}`), { timeout: 10_000 });
    await page.goto(`${args.ui}/workflows/${runSpan.traceId}/${workflowSpan.spanId}?span=${nodeSpan.spanId}`);
    await page.getByTestId('node-agent-runs').getByRole('link', { name: runSpan.name }).click();
    await page.waitForURL(new RegExp(agentPath), { timeout: 10_000 });
    await operations.first().waitFor();
  }
  if (args['python-path']) {
    // The real SDK's agents, exported with Junjo's exporter, opened by their stable links.
    const agents = JSON.parse(execFileSync('python3', [resolve(here, '../integration/junjo_agent.py'), args.grpc, key, 'e2e-junjo-agents'], {
      env: { ...process.env, PYTHONPATH: args['python-path'], PYTHONDONTWRITEBYTECODE: '1' }, encoding: 'utf8', timeout: 90_000,
    })).runs;
    for (const [name, sent] of Object.entries({ 'forecast-ok': agents['forecast-ok'], 'forecast-bad': agents['forecast-bad'] })) {
      await page.goto(`${args.ui}/resolve/executable?service_name=e2e-junjo-agents&executable_type=agent&runtime_id=${encodeURIComponent(sent.runtime_id)}`);
      await page.waitForURL(/\/agents\/[0-9a-f]{32}\/[0-9a-f]{16}/, { timeout: 30_000 });
      await page.getByTestId('agent-operation').first().waitFor();
      check((await page.getByTestId('agent-outcome').textContent()).trim() === sent.outcome, `Junjo SDK agent ${name}: outcome ${sent.outcome}`);
      await shot(page, `08m-sdk-agent-${name}`);
    }
  } else {
    console.error(`skipped the Junjo SDK's agents: ${args['no-python-reason'] ?? 'no --python-path'}`);
  }

  step('the runs list filters by status through the URL and pages');
  // Two runs of the workflow so far, and 55 more: more than the list's page of 50.
  await sendCopies(key, workflowRun, 55);
  const named = 57;
  const runRows = () => page.getByTestId('workflow-runs').locator('tbody tr').count().catch(() => 0);
  const filtered = `${args.ui}/workflows?status=ok&name=${encodeURIComponent(workflowRun.name)}`;
  await until(page, `all ${named} ${workflowRun.name} runs indexed`, async () => {
    const response = await page.request.get(`${args.ui}/api/v1/workflows?status=ok&name=${encodeURIComponent(workflowRun.name)}&limit=100`);
    return response.ok() && (await response.json()).runs.length === named;
  });
  await page.goto(filtered);
  await page.getByTestId('workflow-runs').waitFor();
  check((await page.getByLabel('Status').inputValue()) === 'ok', 'the status filter is read from the URL');
  await until(page, 'the first page of 50 runs', async () => (await runRows()) === 50, 10_000);
  await page.getByRole('button', { name: 'Load more' }).click();
  await until(page, `all ${named} runs after Load more`, async () => (await runRows()) === named, 10_000);
  check((await page.getByRole('button', { name: 'Load more' }).count()) === 0, 'no Load more once every run is shown');
  await shot(page, '08b-runs-filtered-paged');
  await page.getByLabel('Status').selectOption('cancelled');
  await until(page, 'the status in the URL', async () => new URL(page.url()).searchParams.get('status') === 'cancelled', 5_000);
  await page.getByText(`No workflows with status cancelled and a name containing “${workflowRun.name}”.`).waitFor();
  await page.reload();
  await page.getByText(`No workflows with status cancelled and a name containing “${workflowRun.name}”.`).waitFor();
  check((await page.getByLabel('Status').inputValue()) === 'cancelled', 'the filter survives a reload');
  await shot(page, '08c-runs-empty-says-which-filter');

  step('LLM usage charts the model the SDK spans named');
  await page.getByRole('link', { name: 'LLM usage' }).click();
  await page.getByTestId('usage-models').getByRole('cell', { name: 'gpt-4o', exact: true }).waitFor();
  const modelsChart = page.getByTestId('usage-chart-models');
  check((await modelsChart.locator('[data-series="gpt-4o"] path').count()) > 0, 'gpt-4o is drawn as a series');
  check((await modelsChart.locator('.usage-chart-xtick').count()) >= 2, 'the chart has a time axis');
  const legendEntry = page.getByRole('group', { name: /per model group: series shown/ }).getByRole('button', { name: 'gpt-4o', exact: true });
  check((await legendEntry.getAttribute('aria-pressed')) === 'true', 'the legend shows gpt-4o');
  await page.getByLabel('Model', { exact: true }).selectOption('gpt-4o');
  await until(page, 'the model filter in the URL', async () => new URL(page.url()).searchParams.get('model') === 'gpt-4o', 5_000);
  await page.reload();
  await page.getByTestId('usage-models').getByRole('cell', { name: 'gpt-4o', exact: true }).waitFor();
  check((await page.getByLabel('Model', { exact: true }).inputValue()) === 'gpt-4o', 'the model filter survives a reload');
  await shot(page, '09-llm-usage');
  await page.setViewportSize({ width: 390, height: 844 });
  check(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'the usage page fits a phone\'s width');
  await shot(page, '09-llm-usage-phone');
  await page.setViewportSize({ width: 1280, height: 860 });

  step('an LLM call reads as a conversation, its cost from the price table an admin set');
  await page.goto(`${args.ui}/settings`);
  await page.getByTestId('model-prices').waitFor();
  const priceForm = page.getByRole('form', { name: 'Set a model price' });
  await priceForm.getByLabel('Model', { exact: true }).fill('gpt-4o');
  await priceForm.getByLabel('input $/M', { exact: true }).fill('2.5');
  await priceForm.getByLabel('output $/M', { exact: true }).fill('10');
  await priceForm.getByRole('button', { name: 'Set price' }).click();
  await page.getByTestId('price-table').getByRole('cell', { name: 'gpt-4o', exact: true }).waitFor();
  await shot(page, '09b-settings-model-prices');
  // Every family an LLM application sends, one span each, by the real OpenTelemetry JS SDK (tests/js/llm-spans.mjs).
  const llm = JSON.parse(execFileSync('node', [resolve(here, '../js/llm-spans.mjs'), '--protocol', 'grpc', '--endpoint', `http://${args.grpc}`,
    '--header', `x-junjo-api-key=${key}`, '--service', 'e2e-llm'], { encoding: 'utf8' }));
  check(llm.ok, 'the LLM spans were acknowledged');
  await until(page, 'the LLM spans to be indexed', async () => {
    const answer = await page.request.get(`${args.ui}/api/v1/traces/${llm.trace_id}`);
    return answer.ok() && (await answer.json()).span_count === Object.keys(llm.spans).length + 1;
  });
  const conversation = page.getByTestId('conversation');
  await page.goto(`${args.ui}/traces/${llm.trace_id}?span=${llm.spans.gen_ai}`);
  await conversation.waitFor();
  check((await conversation.getByTestId('message').and(page.locator('[data-role="user"]')).first().textContent()).includes('Weather in Paris?'),
    'the GenAI user message is a bubble');
  check((await conversation.getByTestId('tool-call').and(page.locator('[data-tool="get_weather"]')).textContent()).includes('"city": "Paris"'),
    'the tool call is a card with its arguments as JSON');
  check((await conversation.getByTestId('tool-result').count()) === 1, 'the tool result is shown');
  check((await conversation.getByTestId('system-instructions').count()) === 1, 'the system instructions stand apart');
  check((await page.getByTestId('llm-facts').textContent()).includes('gpt-4o-2024-08-06'), 'the facts name the model that answered');
  check((await page.getByTestId('llm-cost-origin').textContent()).includes('price table'),
    `a call that sent no cost is priced from the table (${await page.getByTestId('llm-facts').textContent()})`);
  check((await page.getByTestId('trace-llm-totals').textContent()).startsWith('5 LLM calls'),
    `the trace's LLM calls add up (${await page.getByTestId('trace-llm-totals').textContent()})`);
  await shot(page, '09c-conversation-gen-ai');
  await page.setViewportSize({ width: 390, height: 844 });
  check(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'the conversation fits a phone\'s width');
  await shot(page, '09d-conversation-phone');
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(`${args.ui}/traces/${llm.trace_id}?span=${llm.spans.openinference}`);
  await conversation.waitFor();
  check((await conversation.getByTestId('message').and(page.locator('[data-role="assistant"]')).first().textContent()).includes("C'est un chat."),
    'the OpenInference answer is a bubble');
  check((await page.getByTestId('llm-cost-origin').textContent()).includes('sent by the application'), 'a cost the application sent wins');
  await shot(page, '09e-conversation-openinference');
  await page.goto(`${args.ui}/traces/${llm.trace_id}?span=${llm.spans.gen_ai_deprecated}`);
  await conversation.waitFor();
  check((await conversation.getByTestId('message').and(page.locator('[data-role="assistant"]')).first().textContent()).includes('Hello.'),
    'the deprecated gen_ai.choice event is the answer');
  check((await page.getByTestId('llm-cost').textContent()).trim() === 'no price', 'a model with no price says so, not $0');

  step('a chat session: from its trace to its page and in the sessions list');
  await page.getByTestId('trace-session-link').click();
  await page.waitForURL(/\/sessions\/[^/?]+/, { timeout: 10_000 });
  const sessionId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
  await page.getByTestId('session-turns').waitFor();
  check((await page.getByTestId('session-turn').count()) >= 1, `session ${sessionId} lists its turn`);
  await page.getByTestId('session-turn').first().getByTestId('session-turn-link').click();
  await page.waitForURL(new RegExp(`/traces/${llm.trace_id}`), { timeout: 10_000 });
  await page.goBack();
  await page.getByTestId('session-turns').waitFor();
  await shot(page, '09h-session');
  await page.goto(`${args.ui}/sessions`);
  await page.getByTestId('session-results').getByRole('link', { name: sessionId, exact: true }).waitFor();
  await page.setViewportSize({ width: 390, height: 844 });
  check(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth), 'the sessions list fits a phone\'s width');
  await shot(page, '09i-sessions-phone');
  await page.setViewportSize({ width: 1280, height: 860 });

  step('log records: searched on the Logs page, and beside their span, a GenAI evaluation as a score');
  // The real OpenTelemetry JS SDK's logs exporter (tests/js/otel-logs.mjs): a warning, an inference-details event and an
  // evaluation result in a span's context, and an error without a trace.
  const logs = JSON.parse(execFileSync('node', [resolve(here, '../js/otel-logs.mjs'), '--protocol', 'grpc', '--endpoint', `http://${args.grpc}`,
    '--header', `x-junjo-api-key=${key}`, '--service', 'e2e-logs'], { encoding: 'utf8' }));
  check(logs.spans_acked && logs.logs_acked, `the span and the log records were acknowledged (${JSON.stringify(logs.errors)})`);
  const logRows = () => page.getByTestId('log-results').getByTestId('log-record').count().catch(() => 0);
  await until(page, `the ${logs.log_count} log records`, async () => {
    await page.goto(`${args.ui}/logs?service=e2e-logs`);
    await page.getByTestId('logs-page').waitFor();
    await page.waitForTimeout(300);
    return (await logRows()) === logs.log_count;
  });
  await shot(page, '09f-logs-search');
  await page.goto(`${args.ui}/logs?service=e2e-logs&severity=warn`);
  await until(page, 'warnings and worse', async () => (await logRows()) === 2, 10_000);
  check((await page.getByLabel('Minimum severity').inputValue()) === 'warn', 'the severity filter is read from the URL');
  await page.goto(`${args.ui}/logs?service=e2e-logs&q=${encodeURIComponent('upstream latency')}`);
  await until(page, 'the full-text match', async () => (await logRows()) === 1, 10_000);
  await page.getByTestId('log-results').getByTestId('log-trace-link').first().click();
  await page.waitForURL(new RegExp(`/traces/${logs.trace_id}`), { timeout: 10_000 });
  await page.getByTestId('span-logs').waitFor();
  check((await page.getByTestId('span-logs').getByTestId('log-record').count()) === 3, 'the span shows its three log records');
  check((await page.getByTestId('log-score-value').textContent()).trim() === '0.92', 'the evaluation result reads as a score');
  check((await page.getByTestId('log-messages').count()) === 1, 'the inference details read as messages');
  await shot(page, '09g-span-logs');

  step('the pipeline counters move');
  await page.getByRole('link', { name: 'Pipeline' }).click();
  await page.getByTestId('stage-gateway').waitFor();
  const before = Number((await page.getByTestId('total-gateway').textContent()).replace(/[^\d.]/g, ''));
  sendWithSdk(key, 'e2e-more', 3, 3);
  await until(page, 'the gateway total to grow', async () =>
    Number((await page.getByTestId('total-gateway').textContent()).replace(/[^\d.]/g, '')) > before, 15_000);
  await shot(page, '10-pipeline');
  await (await import('./pipeline.mjs')).checkPipeline({ page, ui: args.ui, screenshots: args.screenshots, check, step, until, sendSpans: (n) => sendWithSdk(key, 'e2e-pipeline', n, 3), grpc: args.grpc });

  step('the live switch shows a trace sent after it was turned on');
  await page.goto(`${args.ui}/traces?service=e2e-live`);
  await page.getByLabel('Live').check();
  await page.waitForTimeout(1000);
  sendWithSdk(key, 'e2e-live', 1, 2);
  await until(page, 'the live trace', async () => (await page.getByTestId('trace-results').locator('tbody tr').count().catch(() => 0)) === 1, 20_000);
  await shot(page, '11-traces-live');

  step('a 50,000-span trace opens and scrolls');
  const bigTrace = await sendBigTrace(args['otlp-http'], key, 50_000);
  await until(page, 'the big trace to be indexed', async () => {
    const response = await page.request.get(`${args.ui}/api/v1/traces/${bigTrace}`);
    return response.ok() && (await response.json()).span_count === 50_000;
  }, 120_000);
  const opened = Date.now();
  await page.goto(`${args.ui}/traces/${bigTrace}`);
  await page.getByRole('treeitem').first().waitFor();
  timings.bigTraceInteractiveMs = Date.now() - opened;
  await page.getByRole('button', { name: 'Expand all' }).click();
  await page.getByTestId('waterfall').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  // Depth first, the last row is the last child of the root's last child.
  await page.getByTestId('waterfall').getByText('step-9999', { exact: true }).waitFor({ timeout: 10_000 });
  await page.getByLabel('Search in trace').fill('step-49999');
  await page.getByLabel('Search in trace').press('Enter');
  await page.getByTestId('waterfall').getByText('step-49999', { exact: true }).waitFor({ timeout: 10_000 });
  await shot(page, '12-trace-50k-spans');

  step('dark theme at 1920 px');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(`${args.ui}/traces?service=e2e-svc`);
  await page.getByTestId('trace-results').waitFor();
  check(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim() === '#14161a'), 'the dark palette follows the system setting');
  await shot(page, '13-traces-dark-1920');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 860 });

  step('a Junjo stable link waits for its run, then opens it');
  // The concurrent workflow again, under a runtime id not sent yet: the link is opened first, as a Junjo
  // application's printed link often is while its run is still going.
  const linked = withRuntimeId(concurrentRun, 'e2e-linked-run');
  const linkService = concurrentRun.body.resourceSpans[0].resource.attributes.find((a) => a.key === 'service.name').value.stringValue;
  await page.goto(`${args.ui}/resolve/executable?service_name=${encodeURIComponent(linkService)}&executable_type=workflow` +
    '&runtime_id=e2e-linked-run&service_namespace=ignored');
  await page.getByText('Not yet seen, retrying').waitFor();
  await shot(page, '09a-stable-link-not-yet-seen');
  await sendRun(key, linked, '1111ced00000000000000000000000e2');
  await page.waitForURL(/\/workflows\/1111ced00000000000000000000000e2\/[0-9a-f]{16}$/, { timeout: 30_000 });
  await page.getByTestId('workflow-graph').waitFor();
  await shot(page, '09b-stable-link-opened-the-run');

  await (await import('./layout.mjs')).checkLayout({ page, ui: args.ui, screenshots: args.screenshots, check, step });
  await (await import('./people.mjs')).checkPeople({ page, ui: args.ui, otlpHttp: args['otlp-http'], key, screenshots: args.screenshots, check, step });

  step('revoke the key');
  await page.goto(`${args.ui}/settings`);
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Revoke e2e' }).click();
  await until(page, 'the key to leave the list', async () => (await page.getByRole('button', { name: 'Revoke e2e' }).count()) === 0, 10_000);
  let refused = false;
  for (let i = 0; i < 10 && !refused; i++) {
    try {
      sendWithSdk(key, 'after-revoke', 1, 1);
      await page.waitForTimeout(300);
    } catch {
      refused = true;
    }
  }
  check(refused, 'exports with the revoked key are refused');
  await shot(page, '14-settings-revoked');

  check(consoleErrors.length === 0, `no uncaught errors in the page: ${consoleErrors.join('; ')}`);
  console.log(JSON.stringify({ ok: true, steps, timings }));
} catch (error) {
  await shot(page, 'failure').catch(() => undefined);
  console.log(JSON.stringify({ ok: false, steps, error: String(error), consoleErrors }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
