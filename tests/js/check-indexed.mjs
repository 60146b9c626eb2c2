#!/usr/bin/env node
// Checks, through the api, that every span an otel-send.mjs run had acknowledged
// is indexed exactly once: each of its traces is fetched from GET
// /api/v1/traces/{id} until it holds every acked span, with no span id twice.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';

const usage = `Usage: check-indexed.mjs --api http://HOST:PORT --cookie 'spanline_session=...' --sent FILE [--timeout-ms T]
  FILE: otel-send.mjs output. Prints {"traces","spans","missing","duplicated"}; exit 0 when nothing is missing or
  duplicated, 1 otherwise, 2 on usage errors.`;
let args;
try {
  ({ values: args } = parseArgs({ options: {
    api: { type: 'string' }, cookie: { type: 'string' }, sent: { type: 'string' },
    'timeout-ms': { type: 'string', default: '60000' },
  } }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (!args.api || !args.cookie || !args.sent) {
  console.error(usage);
  process.exit(2);
}

const sent = JSON.parse(readFileSync(args.sent, 'utf8'));
const acked = new Map();  // trace id -> Set of span ids
for (const { trace_id, span_id } of sent.acked) {
  if (!acked.has(trace_id)) acked.set(trace_id, new Set());
  acked.get(trace_id).add(span_id);
}

async function traceSpans(traceId) {
  const response = await fetch(`${args.api}/api/v1/traces/${traceId}`, { headers: { cookie: args.cookie } });
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`GET /api/v1/traces/${traceId}: ${response.status} ${await response.text()}`);
  return (await response.json()).spans.map((s) => s.span_id);
}

const deadline = Date.now() + Number(args['timeout-ms']);
let pending = [...acked.keys()];
const duplicated = [];
while (pending.length > 0 && Date.now() < deadline) {
  const still = [];
  for (const traceId of pending) {
    const seen = await traceSpans(traceId);
    const counts = new Map();
    for (const id of seen) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const [id, n] of counts) if (n > 1) duplicated.push({ trace_id: traceId, span_id: id, times: n });
    if ([...acked.get(traceId)].some((id) => !counts.has(id))) still.push(traceId);
  }
  pending = still;
  if (pending.length > 0) await new Promise((r) => setTimeout(r, 500));
}
const spans = sent.acked.length;
const missing = pending.flatMap((t) => [...acked.get(t)].map((s) => ({ trace_id: t, span_id: s })));
console.log(JSON.stringify({ traces: acked.size, spans, missing: missing.length, duplicated: duplicated.length,
  first_missing: missing.slice(0, 5), first_duplicated: duplicated.slice(0, 5) }));
process.exit(missing.length === 0 && duplicated.length === 0 ? 0 : 1);
