// OTLP/JSON helpers shared by the browser walkthrough and the UI benchmark:
// attributes in OTLP's JSON shape and one big trace sent in chunks.

export function attributeList(map) {
  return Object.entries(map ?? {}).map(([key, value]) => {
    if (typeof value === 'boolean') return { key, value: { boolValue: value } };
    if (typeof value === 'number') return Number.isInteger(value) ? { key, value: { intValue: String(value) } } : { key, value: { doubleValue: value } };
    return { key, value: { stringValue: String(value) } };
  });
}

// One trace of `count` spans: a root, 99 children, and the rest spread 100 per
// parent below them. Returns its trace id.
export async function sendBigTrace(otlpHttp, key, count, service = 'big-trace') {
  const hex = (n, width) => n.toString(16).padStart(width, '0');
  const traceId = `e2e0${hex(Date.now(), 20)}${hex(count, 8)}`;
  const start = BigInt(Date.now()) * 1_000_000n;
  const span = (i) => ({
    traceId, spanId: hex(i + 1, 16), parentSpanId: i === 0 ? '' : hex(i < 100 ? 1 : Math.floor(i / 100) + 1, 16),
    name: i === 0 ? 'big-root' : `step-${i}`, kind: 1,
    startTimeUnixNano: (start + BigInt(i) * 1000n).toString(),
    endTimeUnixNano: (start + BigInt(i) * 1000n + 500n + (i === 0 ? 100_000_000n : 0n)).toString(),
    attributes: [{ key: 'index', value: { intValue: String(i) } }],
  });
  for (let first = 0; first < count; first += 10_000) {
    const spans = [];
    for (let i = first; i < Math.min(count, first + 10_000); i++) spans.push(span(i));
    const response = await fetch(`${otlpHttp}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-junjo-api-key': key },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes: attributeList({ 'service.name': service }) }, scopeSpans: [{ spans }] }] }),
    });
    if (response.status !== 200) throw new Error(`big trace chunk refused: ${response.status} ${await response.text()}`);
  }
  return traceId;
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
