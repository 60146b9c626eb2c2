#!/usr/bin/env node
// Asks the api a search over every partition again and again and records, for
// each answer, whether it was complete: a test of "never a partial answer while
// one replica of each partition lives" reads the record against the times it
// killed and restored hosts.
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';

const usage = `Usage: watch-answers.mjs --api http://HOST:PORT --cookie 'spanline_session=...' --out FILE
    [--service NAME] [--interval-ms I (250)] [--stop-file PATH]
  Runs until --stop-file exists (or SIGTERM), then writes {"answers":[{"at_ms","status","partial",
  "missing","ms"}]} to FILE (at_ms: unix ms when the request began; ms: how long it took).`;
let args;
try {
  ({ values: args } = parseArgs({ options: {
    api: { type: 'string' }, cookie: { type: 'string' }, out: { type: 'string' },
    service: { type: 'string', default: '' }, 'interval-ms': { type: 'string', default: '250' },
    'stop-file': { type: 'string', default: '' },
  } }));
} catch (error) {
  console.error(`${error.message}\n${usage}`);
  process.exit(2);
}
if (!args.api || !args.cookie || !args.out) {
  console.error(usage);
  process.exit(2);
}

const answers = [];
let stopping = false;
const finish = () => {
  writeFileSync(args.out, JSON.stringify({ answers }));
  process.exit(0);
};
process.on('SIGTERM', () => { stopping = true; });
const { existsSync } = await import('node:fs');
const query = args.service ? `?service=${encodeURIComponent(args.service)}&limit=20` : '?limit=20';
while (!stopping && !(args['stop-file'] && existsSync(args['stop-file']))) {
  const at = Date.now();
  let entry;
  try {
    const response = await fetch(`${args.api}/api/v1/traces${query}`, { headers: { cookie: args.cookie },
      signal: AbortSignal.timeout(10000) });
    const body = response.ok ? await response.json() : null;
    entry = { at_ms: at, status: response.status, partial: body ? Boolean(body.partial) : null,
      missing: body?.missing_partitions ?? [], ms: Date.now() - at };
  } catch (error) {
    entry = { at_ms: at, status: 0, partial: null, missing: [], ms: Date.now() - at, error: String(error.message) };
  }
  answers.push(entry);
  await new Promise((r) => setTimeout(r, Number(args['interval-ms'])));
}
finish();
