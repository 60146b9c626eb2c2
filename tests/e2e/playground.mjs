#!/usr/bin/env node
// The prompt playground in real headless Chromium against a running pipeline
// whose api is pointed at the LLM provider stand-in (tests/support/llm_standin.h):
// an LLM span sent over OTLP/JSON is opened in the playground, edited and run
// (the answer streams in), compared on two providers side by side, given a tool
// (a tool call card), run on a model that does not exist (model not found), on a
// rate-limited one (its retry-after) and on a slow one that is stopped; the URL
// fragment reloads the same prompt, and at a phone's width the columns (OpenAI and
// Gemini) stack without horizontal overflow; no provider key reaches the browser.
// Saves the screenshots 10a-10h. Exit 0 when every step held; the last stdout line is
// {"ok", "steps", ...}.
//
// Usage: playground.mjs --ui http://127.0.0.1:PORT --otlp-http http://127.0.0.1:PORT
//                       --standin http://127.0.0.1:PORT --screenshots DIR [--secret KEY ...]
import { mkdirSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { attributeList, CHROMIUM_ARGS } from './otlp-json.mjs';

const { values: args } = parseArgs({
  options: {
    ui: { type: 'string' },
    'otlp-http': { type: 'string' },
    standin: { type: 'string' },
    screenshots: { type: 'string' },
    // A provider key the api holds: it must appear in no page and no answer the browser gets.
    secret: { type: 'string', multiple: true, default: [] },
  },
});
mkdirSync(args.screenshots, { recursive: true });
const FAILURE_SHOT = `${args.screenshots}/10-playground-failure.png`;
rmSync(FAILURE_SHOT, { force: true }); // a failed run's screenshot must not outlive it

const steps = [];
const figures = {};
function step(name) {
  steps.push(name);
  console.error(`step: ${name}`);
}
function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

const OWNER = { email: 'player@example.com', password: 'a long password' };
const SYSTEM = 'You are a weather bot.';
const ASKED = 'What is the weather in Oslo?';
const OLD_ANSWER = 'I do not know the weather.';
const EDITED = 'Weather in Bergen please';

// The first user and an API key, through the api (the walkthrough covers the
// setup pages): the context's cookie signs the browser in too.
async function signInAndKey(context) {
  const headers = { Origin: args.ui };
  const first = await context.request.post(`${args.ui}/api/v1/users/first`, { data: OWNER, headers });
  check(first.status() === 201, `the first user is created (got ${first.status()} ${await first.text()})`);
  const signIn = await context.request.post(`${args.ui}/api/v1/auth/sign-in`, { data: OWNER, headers });
  check(signIn.status() === 200, `signed in (got ${signIn.status()} ${await signIn.text()})`);
  const key = await context.request.post(`${args.ui}/api/v1/api-keys`, { data: { name: 'playground-e2e' }, headers });
  check(key.status() === 201, `an API key (got ${key.status()})`);
  // A price for gpt-4o only: its runs are priced from the table, the other model's read 'no price'.
  const price = await context.request.put(`${args.ui}/api/v1/llm/prices/gpt-4o`, { data: { input_per_million: 2.5, output_per_million: 10 }, headers });
  check(price.ok(), `gpt-4o priced (got ${price.status()} ${await price.text()})`);
  return (await key.json()).key;
}

// One OpenTelemetry GenAI chat span (current keys, content as JSON strings) with its answer.
async function sendLlmSpan(key) {
  const hex = (n, width) => n.toString(16).padStart(width, '0');
  const traceId = `9a7e${hex(Date.now(), 28)}`;
  const spanId = 'a1a1a1a1a1a1a1a1';
  const start = BigInt(Date.now()) * 1_000_000n;
  const attributes = attributeList({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.response.model': 'gpt-4o-2024-08-06',
    'gen_ai.request.temperature': 0.2,
    'gen_ai.request.max_tokens': 200,
    'gen_ai.usage.input_tokens': 12,
    'gen_ai.usage.output_tokens': 6,
    'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: SYSTEM }]),
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: ASKED }] }]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: OLD_ANSWER }], finish_reason: 'stop' }]),
  });
  const body = { resourceSpans: [{ resource: { attributes: attributeList({ 'service.name': 'weather-bot' }) }, scopeSpans: [{ scope: { name: 'e2e' }, spans: [{
    traceId, spanId, name: 'chat gpt-4o', kind: 3, startTimeUnixNano: String(start), endTimeUnixNano: String(start + 850_000_000n), attributes,
  }] }] }] };
  const response = await fetch(`${args['otlp-http']}/v1/traces`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-junjo-api-key': key }, body: JSON.stringify(body),
  });
  check(response.status === 200, `the LLM span accepted (got ${response.status} ${await response.text()})`);
  return { traceId, spanId };
}

const shot = (page, name) => page.screenshot({ path: `${args.screenshots}/${name}.png` });

// Polls `probe` every 100 ms (runs stream fast) until it holds.
async function until(page, what, probe, timeoutMs = 30_000) {
  for (const end = Date.now() + timeoutMs; !(await probe()); await page.waitForTimeout(100)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

// What the editor shows, field by field (the fragment must bring back exactly this).
async function editorState(page) {
  return page.evaluate(() => [...document.querySelectorAll('[data-testid=playground-page] [data-testid^=pg-]')]
    .filter((el) => 'value' in el && el.tagName !== 'BUTTON' && el.tagName !== 'DATALIST')
    .map((el) => `${el.getAttribute('data-testid')}=${el.value}`));
}

const column = (page, label) => page.locator(`[data-testid=pg-column][data-label=${label}]`);
const output = (page, label) => column(page, label).getByTestId('pg-output');
const outputText = async (page, label) => ((await output(page, label).getByTestId('pg-output-text').textContent().catch(() => '')) ?? '').replace('▍', '');

async function runAndWait(page, labels, timeoutMs = 30_000) {
  await page.getByTestId('pg-run').click();
  await until(page, `the runs of ${labels.join(', ')} to end`, async () => {
    for (const label of labels) {
      const status = await output(page, label).getAttribute('data-status');
      if (status !== 'done' && status !== 'error') return false;
    }
    return true;
  }, timeoutMs);
}

async function standinRequests() {
  return (await fetch(`${args.standin}/_standin/requests`)).json();
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const consoleErrors = [];
page.on('pageerror', (error) => consoleErrors.push(String(error)));
try {
  step('sign in, a key, an LLM span');
  const key = await signInAndKey(context);
  const sent = await sendLlmSpan(key);

  step('the LLM span offers "Open in playground"');
  await until(page, 'the LLM span to be indexed', async () => {
    await page.goto(`${args.ui}/traces/${sent.traceId}?span=${sent.spanId}`);
    return page.getByTestId('open-in-playground').waitFor({ timeout: 2000 }).then(() => true, () => false);
  });
  await shot(page, '10a-span-open-in-playground');

  step('open in playground: the prompt is filled from the span');
  await page.getByTestId('open-in-playground').click();
  await page.getByTestId('pg-message').first().waitFor();
  check((await page.getByTestId('pg-system').inputValue()) === SYSTEM, 'the system instructions');
  check((await page.getByTestId('pg-message').count()) === 1, 'one input message (the answer is not a turn)');
  check((await page.getByTestId('pg-part-text').first().inputValue()) === ASKED, 'the user message');
  check((await column(page, 'A').getByTestId('pg-provider').inputValue()) === 'openai', 'the provider of the span\'s kind');
  check((await column(page, 'A').getByTestId('pg-model').inputValue()) === 'gpt-4o', 'the request model');
  check((await column(page, 'A').getByTestId('pg-temperature').inputValue()) === '0.2', 'the temperature');
  check((await column(page, 'A').getByTestId('pg-max-tokens').inputValue()) === '200', 'the max tokens');
  check((await page.getByTestId('pg-previous').textContent()).includes(OLD_ANSWER), 'the traced answer shown for comparison');
  await until(page, 'the provider\'s models offered', async () =>
    (await column(page, 'A').locator('[data-testid=pg-model-options] option[value="gpt-4o-mini"]').count()) === 1, 5000);
  await until(page, 'the prompt written to the URL fragment', async () => page.url().includes('#p='), 5000);
  check(!page.url().includes('from='), 'the fragment replaced ?from');
  await shot(page, '10b-playground-from-span');

  step('edit the message and run: the answer streams in');
  await page.getByTestId('pg-part-text').first().fill(EDITED);
  await runAndWait(page, ['A']);
  const answer = `Echo: ${EDITED}`;
  check((await output(page, 'A').getAttribute('data-status')) === 'done', `the run ended well (${await output(page, 'A').textContent()})`);
  check((await outputText(page, 'A')) === answer, `the answer is "${answer}" (got "${await outputText(page, 'A')}")`);
  const pieces = Number(await output(page, 'A').getAttribute('data-pieces'));
  check(pieces >= Math.ceil(answer.length / 8), `the answer arrived in pieces of at most 8 characters (${pieces} pieces)`);
  // Words: system 5 + message 4 in, answer 5 out.
  const usage = await output(page, 'A').getByTestId('pg-usage').textContent();
  check(usage === '9 in · 5 out · 14 total', `the usage (${usage})`);
  const cost = await output(page, 'A').getByTestId('pg-cost').textContent();
  check(/^\$0\.0000[0-9]+$/.test(cost), `gpt-4o's cost from the price table (${cost})`);
  const traceHref = await output(page, 'A').getByTestId('pg-trace-link').getAttribute('href');
  check(/^\/traces\/[0-9a-f]{32}\?span=[0-9a-f]{16}$/.test(traceHref), `a link to the run's recorded span (${traceHref})`);
  figures.latency = await output(page, 'A').getByTestId('pg-latency').textContent();
  figures.first_token = await output(page, 'A').getByTestId('pg-ttft').textContent();
  const openaiCall = (await standinRequests()).filter((r) => r.provider === 'openai' && r.method === 'POST').at(-1);
  check(openaiCall?.body?.messages?.at(-1)?.content === EDITED, 'the stand-in got the edited message');
  check(openaiCall?.body?.temperature === 0.2 && openaiCall?.body?.messages?.[0]?.role === 'system', 'with the span\'s temperature and system');
  await output(page, 'A').scrollIntoViewIfNeeded();
  await shot(page, '10c-run-streamed');

  step('the run is recorded as a trace of spanline-playground');
  await until(page, 'the recorded run', async () => {
    const trace = await context.request.get(`${args.ui}/api/v1${traceHref.split('?')[0]}`);
    if (!trace.ok()) return false;
    const spans = (await trace.json()).spans ?? [];
    const spanId = traceHref.split('?span=')[1];
    return spans.some((s) => s.span_id === spanId && s.service === 'spanline-playground' && s.llm?.request_model === 'gpt-4o');
  });

  await output(page, 'A').getByTestId('pg-trace-link').click();
  await page.getByTestId('span-detail').getByTestId('open-in-playground').waitFor(); // the run opens in the playground in turn
  check((await page.getByTestId('span-detail').textContent()).includes(answer), 'the recorded run shows its answer');
  await page.goBack();
  await page.getByTestId('pg-message').first().waitFor();
  check((await page.getByTestId('pg-part-text').first().inputValue()) === EDITED, 'back in the playground, the edited prompt');

  step('compare two providers side by side');
  await page.getByTestId('pg-add-column').click();
  await column(page, 'B').getByTestId('pg-provider').selectOption('anthropic');
  await column(page, 'B').getByTestId('pg-model').fill('claude-haiku-4-5');
  await runAndWait(page, ['A', 'B']);
  for (const label of ['A', 'B']) check((await outputText(page, label)) === answer, `column ${label} answered (${await output(page, label).textContent()})`);
  check((await output(page, 'B').getByTestId('pg-cost').textContent()) === 'no price', 'the unpriced model reads no price');
  const [boxA, boxB] = [await column(page, 'A').boundingBox(), await column(page, 'B').boundingBox()];
  check(Math.abs(boxA.y - boxB.y) < 2 && boxB.x > boxA.x + boxA.width - 2, 'the two columns side by side');
  check((await standinRequests()).some((r) => r.provider === 'anthropic' && r.body?.model === 'claude-haiku-4-5'), 'B ran on Anthropic');
  await output(page, 'A').scrollIntoViewIfNeeded();
  await shot(page, '10d-compare-side-by-side');

  step('a tool: the answer is a tool call card');
  await column(page, 'B').getByTestId('pg-remove-column').click();
  await page.getByTestId('pg-tools').locator('summary').click();
  await page.getByTestId('pg-add-tool').click();
  await page.getByTestId('pg-tool-name').fill('get_weather');
  await page.getByTestId('pg-tool-parameters').fill('{"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}');
  await runAndWait(page, ['A']);
  const card = output(page, 'A').getByTestId('pg-tool-call-card');
  check((await card.count()) === 1 && (await card.getAttribute('data-tool')) === 'get_weather', 'one get_weather call card');
  check((await card.textContent()).includes(`"query": "${EDITED}"`), `its arguments (${await card.textContent()})`);
  await output(page, 'A').scrollIntoViewIfNeeded();
  await shot(page, '10e-tool-call-card');
  await page.getByTestId('pg-tool-parameters').fill('{"type": "thing"}');
  check((await page.getByTestId('pg-tool-error').textContent()).includes('"type" must be one of'), 'an invalid schema is named');
  await page.getByTestId('pg-remove-tool').click();

  step('a model that does not exist: model not found');
  await column(page, 'A').getByTestId('pg-model').fill('standin-missing');
  await runAndWait(page, ['A']);
  const error = output(page, 'A').getByTestId('pg-error');
  check((await error.getAttribute('data-code')) === 'model_not_found', `the error code (${await error.getAttribute('data-code')})`);
  check((await error.textContent()).startsWith('Model not found'), `the message (${await error.textContent()})`);
  await output(page, 'A').scrollIntoViewIfNeeded();
  await shot(page, '10f-model-not-found');
  await column(page, 'A').getByTestId('pg-model').fill('standin-rate-limited');
  await runAndWait(page, ['A']);
  check((await error.getAttribute('data-code')) === 'rate_limited', `rate limited (${await error.getAttribute('data-code')})`);
  check((await error.textContent()).includes('retry after 7 s'), `with the provider's retry-after (${await error.textContent()})`);

  step('Stop a slow answer: it streams piece by piece, then stops');
  await column(page, 'A').getByTestId('pg-model').fill('standin-slow');
  await page.getByTestId('pg-run').click();
  await until(page, 'a few pieces', async () => Number(await output(page, 'A').getAttribute('data-pieces')) >= 3, 15_000);
  const early = await outputText(page, 'A');
  await until(page, 'more pieces', async () => (await outputText(page, 'A')).length > early.length, 5000);
  const later = await outputText(page, 'A');
  check(later.startsWith(early) && later.length > early.length, `the text grew as it arrived ("${early}" then "${later}")`);
  const stoppedAt = Date.now();
  await page.getByTestId('pg-stop').click();
  await until(page, 'the run to stop', async () => (await output(page, 'A').getAttribute('data-status')) === 'error', 5000);
  figures.stop_ms = Date.now() - stoppedAt;
  check((await output(page, 'A').getByTestId('pg-error').getAttribute('data-code')) === 'cancelled', 'stopped as cancelled');
  const piecesAtStop = Number(await output(page, 'A').getAttribute('data-pieces'));
  check(piecesAtStop < 200, `not the whole answer (${piecesAtStop} of 200 pieces)`);
  await until(page, 'the provider call to be closed', async () =>
    (await standinRequests()).some((r) => r.body?.model === 'standin-slow' && r.client_disconnected === true), 5000);
  await output(page, 'A').scrollIntoViewIfNeeded();
  await shot(page, '10g-stopped');

  step('the URL fragment brings the same prompt back');
  await column(page, 'A').getByTestId('pg-model').fill('gpt-4o');
  await page.getByTestId('pg-add-column').click();
  await column(page, 'B').getByTestId('pg-provider').selectOption('gemini');
  await column(page, 'B').getByTestId('pg-model').fill('gemini-2.5-flash');
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: args.ui });
  await page.getByTestId('pg-copy-link').click();
  await page.getByText('link copied').waitFor();
  const link = await page.evaluate(() => navigator.clipboard.readText());
  await page.waitForTimeout(600); // the fragment is written after a pause in typing
  check(link === page.url(), `the copied link is the page's URL (${link.length} and ${page.url().length} characters)`);
  const before = await editorState(page);
  const again = await context.newPage();
  await again.goto(link);
  await again.getByTestId('pg-message').first().waitFor();
  const after = await editorState(again);
  check(JSON.stringify(after) === JSON.stringify(before), `the same prompt (${JSON.stringify(before)} vs ${JSON.stringify(after)})`);
  figures.link_chars = link.length;
  await again.close();

  step('the menu opens a blank playground');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Playground' }).click();
  await until(page, 'a blank prompt', async () => (await page.getByTestId('pg-previous').count()) === 0 &&
    (await page.getByTestId('pg-part-text').first().inputValue().catch(() => 'x')) === '', 5000);
  check((await page.getByTestId('pg-column').count()) === 1 && (await page.getByTestId('pg-system').inputValue()) === '', 'one column, no system text');

  step('at 390 px the columns stack without horizontal overflow');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(link);
  await page.getByTestId('pg-message').first().waitFor();
  await runAndWait(page, ['A', 'B']);
  for (const label of ['A', 'B']) check((await outputText(page, label)) === answer, `column ${label} answered at 390 px (${await output(page, label).textContent()})`);
  check((await standinRequests()).some((r) => r.provider === 'gemini' && r.method === 'POST'), 'B ran on Gemini');
  const [phoneA, phoneB] = [await column(page, 'A').boundingBox(), await column(page, 'B').boundingBox()];
  check(phoneB.y >= phoneA.y + phoneA.height - 1, 'column B below column A');
  const overflow = await page.evaluate(() => [...document.querySelectorAll('[data-testid=playground-page] *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .map((el) => el.getAttribute('data-testid') || el.tagName.toLowerCase()));
  check(overflow.length === 0, `nothing of the playground past the right edge (${overflow.slice(0, 10).join(', ')})`);
  figures.document_scroll_width_at_390 = await page.evaluate(() => document.documentElement.scrollWidth);
  await column(page, 'B').scrollIntoViewIfNeeded();
  await shot(page, '10h-phone-390');

  step('no provider key reaches the browser');
  const seen = [await page.content(), await (await context.request.get(`${args.ui}/api/v1/playground/providers`)).text(),
    ...await Promise.all(['openai', 'anthropic', 'gemini'].map(async (name) => (await context.request.get(`${args.ui}/api/v1/playground/providers/${name}/models`)).text()))];
  for (const secret of args.secret) check(seen.every((text) => !text.includes(secret)), 'a provider key in a page or an answer');
  check(args.secret.length === 3, 'the three keys were given to look for');

  check(consoleErrors.length === 0, `no uncaught errors in the page: ${consoleErrors.join('; ')}`);
  console.log(JSON.stringify({ ok: true, steps, figures }));
} catch (error) {
  await page.screenshot({ path: FAILURE_SHOT }).catch(() => undefined);
  console.log(JSON.stringify({ ok: false, steps, error: String(error), figures, consoleErrors }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
