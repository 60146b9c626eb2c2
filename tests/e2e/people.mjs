// Time zones, URL state and copying (issue 30), called once by walkthrough.mjs
// after the layout walk, signed in. Three traces one hour apart are sent; then:
// every time on the traces list names its zone; choosing New York and then UTC
// in Settings changes what a trace's start reads; a custom range typed on New
// York's clock selects the one trace inside it and survives a reload and
// back/forward; the run page's state tab and the trace search survive a reload;
// 'Copy key' says it copied, still does without navigator.clipboard (plain http
// by host name), and says how to copy by hand when nothing copies, leaving the
// key selected; a span's start reads to the exact nanosecond. The zone is set back to the browser's at the end.

const HOUR_MS = 3_600_000;
const NANOS_INTO_SECOND = 123_456_789n;

// HH:MM:SS and the zone's short name at `ms`, as lib/timeZone reads them.
function clock(ms, zone) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZoneName: 'short' })
    .formatToParts(new Date(ms));
  const get = (type) => parts.find((p) => p.type === type)?.value;
  return { time: `${get('hour')}:${get('minute')}:${get('second')}`, zone: zone === 'UTC' ? 'UTC' : get('timeZoneName') };
}

// datetime-local text for `ms` on `zone`'s clock.
function wallText(ms, zone) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    .formatToParts(new Date(ms));
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`;
}

async function sendHourlyTraces(otlpHttp, key, service, firstMs) {
  const spans = [0, 1, 2].map((i) => {
    // The third starts 123456789 ns into its second: more digits than a JS number holds at unix nanoseconds.
    const start = BigInt(firstMs + i * HOUR_MS) * 1_000_000n + (i === 2 ? NANOS_INTO_SECOND : 0n);
    return {
      traceId: `e2e7${String(i).padStart(28, '0')}`, spanId: `${i + 1}`.padStart(16, '0'), parentSpanId: '', name: `zone-hour-${i}`, kind: 2,
      startTimeUnixNano: start.toString(), endTimeUnixNano: (start + 5_000_000n).toString(), attributes: [],
    };
  });
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: 'e2e' }, spans }] }] };
  const response = await fetch(`${otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-junjo-api-key': key }, body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`zone traces refused: ${response.status}`);
}

async function chooseZone(page, ui, zone) {
  await page.goto(`${ui}/settings`);
  await page.getByTestId('time-zone-select').selectOption(zone);
  await page.getByTestId('time-zone-setting').getByText(zone === '' ? 'Browser' : zone).first().waitFor();
}

async function rowStarts(page) {
  await page.getByTestId('trace-results').waitFor();
  return page.getByTestId('trace-results').locator('tbody tr').allInnerTexts();
}

// The list's rows once it has answered: none (its empty message) while the traces are still being indexed.
// The indexer gathers reads for up to --commit-interval, so a list opened right after the send can be empty.
async function answeredRows(page) {
  await page.getByTestId('trace-results').or(page.getByText('No trace matches')).first().waitFor();
  return page.getByTestId('trace-results').locator('tbody tr').allInnerTexts();
}

export async function checkPeople({ page, ui, otlpHttp, key, screenshots, check, step }) {
  const service = 'e2e-zones';
  // Three whole hours, yesterday: one trace at each.
  const firstMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 24 * HOUR_MS;
  await sendHourlyTraces(otlpHttp, key, service, firstMs);
  const listUrl = `${ui}/traces?service=${service}&lookback=7d`;
  for (let tries = 0; ; tries++) {
    await page.goto(listUrl);
    if ((await answeredRows(page)).length === 3) break;
    if (tries > 50) throw new Error('the three zone traces never showed');
    await page.waitForTimeout(300);
  }

  step('time zone: shown next to every time; New York and then UTC change what a start reads');
  await page.setViewportSize({ width: 1440, height: 900 });
  await chooseZone(page, ui, 'America/New_York');
  await page.goto(listUrl);
  const ny = clock(firstMs, 'America/New_York');
  let rows = await rowStarts(page);
  check(rows.length === 3 && rows.every((r) => r.includes(ny.zone)), `every start names New York's zone ${ny.zone}: ${rows}`);
  check(rows.some((r) => r.includes(ny.time)), `the first trace starts at ${ny.time} ${ny.zone}: ${rows}`);
  await page.screenshot({ path: `${screenshots}/11p-zone-new-york.png` });
  await chooseZone(page, ui, 'UTC');
  await page.goto(listUrl);
  const utc = clock(firstMs, 'UTC');
  rows = await rowStarts(page);
  check(rows.some((r) => r.includes(`${utc.time} UTC`)) && !rows.some((r) => r.includes(ny.zone)), `UTC reads ${utc.time} UTC: ${rows}`);

  step("time zone: a custom range typed on New York's clock selects the trace inside it");
  await chooseZone(page, ui, 'America/New_York');
  await page.goto(listUrl);
  await page.locator('select').filter({ has: page.locator('option[value="custom"]') }).selectOption('custom');
  // From half past the first hour to half past the second: only the second trace.
  await page.getByTestId('time-from').fill(wallText(firstMs + HOUR_MS / 2, 'America/New_York'));
  await page.getByTestId('time-to').fill(wallText(firstMs + (3 * HOUR_MS) / 2, 'America/New_York'));
  check((await page.getByTestId('time-zone-note').innerText()) === ny.zone, 'the range names its zone');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/start=/);
  const wantStart = new Date(firstMs + HOUR_MS / 2).toISOString().replace('.000Z', 'Z');
  check(new URL(page.url()).searchParams.get('start') === wantStart, `the URL holds the range in UTC (${page.url()}, want ${wantStart})`);
  const inRange = async () => (await rowStarts(page)).filter((r) => r.includes(service) || r.includes('zone-hour'));
  await page.getByTestId('trace-results').getByText('zone-hour-1').first().waitFor();
  rows = await inRange();
  check(rows.length === 1 && rows[0].includes('zone-hour-1'), `only the second trace is in the range: ${rows}`);
  await page.screenshot({ path: `${screenshots}/11q-zone-custom-range.png` });

  step('URL state: the range survives a reload and back/forward');
  const rangeUrl = page.url();
  await page.reload();
  await page.getByTestId('trace-results').getByText('zone-hour-1').first().waitFor();
  check((await inRange()).length === 1, 'the range still selects one trace after a reload');
  check((await page.getByTestId('time-from').inputValue()).startsWith(wallText(firstMs + HOUR_MS / 2, 'America/New_York').slice(0, 16)), 'From reads the typed time after a reload');
  await page.getByTestId('trace-results').getByRole('link', { name: 'e2e70000' }).click();
  await page.waitForURL(/\/traces\/e2e7/);
  await page.goBack();
  await page.getByTestId('trace-results').getByText('zone-hour-1').first().waitFor();
  check(page.url() === rangeUrl && (await inRange()).length === 1, `back returns to the range (${page.url()})`);
  await page.goForward();
  await page.waitForURL(/\/traces\/e2e7/);

  step('URL state: the trace search and the state tab survive a reload');
  await page.getByRole('textbox', { name: 'Search in trace' }).fill('zone-hour');
  await page.waitForURL(/find=zone-hour/);
  await page.reload();
  check((await page.getByRole('textbox', { name: 'Search in trace' }).inputValue()) === 'zone-hour', 'the trace search is kept through a reload');
  const runs = await (await page.request.get(`${ui}/api/v1/workflows`)).json();
  const run = (runs.runs ?? runs.workflows ?? runs.items ?? [])[0];
  if (run) {
    await page.goto(`${ui}/workflows/${run.trace_id}/${run.span_id}`);
    await page.getByRole('tab', { name: 'Patch' }).click();
    await page.waitForURL(/tab=patch/);
    await page.reload();
    check((await page.getByRole('tab', { name: 'Patch' }).getAttribute('aria-selected')) === 'true', 'the Patch tab is kept through a reload');
  } else check(false, `a workflow run to open (${JSON.stringify(runs).slice(0, 200)})`);

  step('nanoseconds: a span starting 123456789 ns into its second reads so, exactly');
  await page.goto(`${ui}/traces/e2e7${'2'.padStart(28, '0')}?span=${'3'.padStart(16, '0')}`);
  const start = await page.getByTestId('span-start').innerText();
  check(start.endsWith(`.${NANOS_INTO_SECOND} ${ny.zone}`), `the span's start is exact to the nanosecond (${start})`);

  step('copy: says it copied, falls back without navigator.clipboard, says how to copy by hand when nothing copies');
  await page.goto(`${ui}/settings`);
  await page.getByRole('textbox', { name: 'Key name' }).fill('zone copy');
  await page.getByRole('button', { name: 'Create key' }).click();
  const copyKey = page.getByTestId('copy-key');
  await copyKey.click();
  await page.getByTestId('copy-key-result').waitFor();
  check((await page.getByTestId('copy-key-result').innerText()).includes('Copied'), 'Copy key says Copied');
  // As on plain http by host name: no Clipboard API.
  await page.evaluate(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true }));
  await page.evaluate(() => Object.defineProperty(navigator, 'clipboard', { get: () => undefined, configurable: true }));
  let copied = false;
  await page.exposeFunction('e2eCopied', () => (copied = true));
  await page.evaluate(() => document.addEventListener('copy', () => window.e2eCopied(), { once: true }));
  await copyKey.click();
  await page.waitForTimeout(200);
  check(copied && (await page.getByTestId('copy-key-result').innerText()).includes('Copied'), 'without navigator.clipboard the key is copied through a selected textarea');
  // Nothing copies: the key is left selected, and the page says to press the keys.
  await page.evaluate(() => (document.execCommand = () => false));
  await copyKey.click();
  await page.getByText(/Not copied: the text is selected, press (Ctrl\+C|⌘C)/).waitFor();
  const selected = await page.evaluate(() => window.getSelection()?.toString() ?? '');
  const shownKey = (await page.getByTestId('new-key-value').textContent()).trim();
  check(selected.trim() === shownKey, 'the key is left selected for copying by hand');
  await page.screenshot({ path: `${screenshots}/11r-copy-by-hand.png` });
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Revoke zone copy' }).click();

  await chooseZone(page, ui, '');
}
