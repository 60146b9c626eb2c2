#!/usr/bin/env node
// How long the trace page takes to become interactive (first span row drawn,
// measured from navigation in headless Chromium) for traces of 1,000, 10,000 and
// 50,000 spans, beside the time the api alone takes to answer the same trace,
// and the gzipped size of the JS the first page load needs. Figures, not checks.
//
// Usage: trace_page_bench.mjs --ui http://127.0.0.1:PORT --otlp-http http://127.0.0.1:PORT --dist web/dist [--runs 3]
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const require = createRequire(new URL('../../tests/e2e/', import.meta.url));
const { chromium } = require('playwright-core');
const { CHROMIUM_ARGS, sendBigTrace } = await import('../../tests/e2e/otlp-json.mjs');

const { values: args } = parseArgs({
  options: { ui: { type: 'string' }, 'otlp-http': { type: 'string' }, dist: { type: 'string' }, runs: { type: 'string', default: '3' } },
});

async function api(path, init = {}, cookie = '') {
  const response = await fetch(`${args.ui}${path}`, { ...init, headers: { 'content-type': 'application/json', cookie, ...(init.headers ?? {}) } });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response;
}

// A user and a key, made through the api as a new user would.
const credentials = JSON.stringify({ email: 'bench@example.com', password: 'bench password' });
let signedIn = await fetch(`${args.ui}/api/v1/users/first`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: credentials });
if (signedIn.status === 409) signedIn = await api('/api/v1/auth/sign-in', { method: 'POST', body: credentials });
const cookie = signedIn.headers.get('set-cookie').split(';')[0];
const key = (await (await api('/api/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'bench' }) }, cookie)).json()).key;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
const [name, value] = cookie.split('=');
await context.addCookies([{ name, value, url: args.ui }]);
const page = await context.newPage();
const rows = [];
for (const size of [1_000, 10_000, 50_000]) {
  const traceId = await sendBigTrace(args['otlp-http'], key, size, `bench-${size}`);
  for (let tries = 0; ; tries++) {
    const response = await fetch(`${args.ui}/api/v1/traces/${traceId}`, { headers: { cookie } });
    if (response.ok && (await response.json()).span_count === size) break;
    if (tries > 600) throw new Error(`trace of ${size} spans never fully indexed`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const apiMs = [];
  const interactiveMs = [];
  for (let run = 0; run < Number(args.runs); run++) {
    let t0 = performance.now();
    await (await api(`/api/v1/traces/${traceId}`, {}, cookie)).arrayBuffer();
    apiMs.push(performance.now() - t0);
    await page.goto('about:blank');
    t0 = performance.now();
    await page.goto(`${args.ui}/traces/${traceId}`);
    await page.getByRole('treeitem').first().waitFor({ timeout: 60_000 });
    interactiveMs.push(performance.now() - t0);
  }
  rows.push({ spans: size, api_ms: median(apiMs), interactive_ms: median(interactiveMs) });
}
await browser.close();

// The first load needs index.html's entry chunk and CSS; pages load their own chunks later.
const assets = `${args.dist}/assets`;
const html = readFileSync(`${args.dist}/index.html`, 'utf8');
let initialGzip = 0;
let allGzip = 0;
for (const file of readdirSync(assets)) {
  const size = gzipSync(readFileSync(`${assets}/${file}`)).length;
  allGzip += size;
  if (html.includes(file)) initialGzip += size;
}

console.log('| trace size (spans) | api answer, ms (median) | page interactive, ms (median) | target |');
console.log('|---|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.spans} | ${row.api_ms.toFixed(0)} | ${row.interactive_ms.toFixed(0)} | ${row.spans === 50_000 ? '< 2000' : ''} |`);
}
console.log('');
console.log(`Initial JS + CSS, gzipped: ${(initialGzip / 1024).toFixed(1)} KiB (target < 500 KB); every chunk: ${(allGzip / 1024).toFixed(1)} KiB.`);
console.log(JSON.stringify({ rows, initial_gzip_bytes: initialGzip, all_gzip_bytes: allGzip }));
