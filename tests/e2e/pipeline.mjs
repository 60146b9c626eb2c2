// The pipeline page and the health banner (issue 30), called once by
// walkthrough.mjs, signed in, with the pipeline healthy. Asserts: the diagram
// shows every stage of the flow with its state; the rates on the edges move while
// spans are sent; a lag row per partition; the WAL disk bar; no banner while
// healthy, and the banner (naming what is wrong, linking to the pipeline page)
// when the api's answer carries a condition (the answer is altered in the
// browser: the walkthrough cannot stop a stage; the api's side is tested in C++);
// the exporter snippets aimed at the gateway's real port; the page at 390 px
// stacked, without horizontal overflow. Screenshots 12a-12f.

const FLOW = ['gateway', 'wal', 'indexer', 'api'];
const EDGES = ['gateway', 'wal', 'indexer'];

async function rateOf(page, stage) {
  return Number(await page.getByTestId(`edge-${stage}-rate`).getAttribute('data-rate'));
}

export async function checkPipeline({ page, ui, screenshots, check, step, until, sendSpans, grpc }) {
  const shot = (name) => page.screenshot({ path: `${screenshots}/${name}.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 860 });

  step('pipeline: the diagram shows each stage with its state');
  await page.goto(`${ui}/pipeline`);
  await page.getByTestId('pipeline-diagram').waitFor();
  await until(page, 'every stage up', async () => {
    for (const stage of FLOW) if ((await page.getByTestId(`node-${stage}`).getAttribute('data-state')) !== 'up') return false;
    return true;
  }, 15_000);
  for (const stage of FLOW) {
    const instance = page.getByTestId(`node-${stage}`).getByTestId(`instance-${stage}`).first();
    const text = await instance.textContent();
    check(/up · (just now|\d+ s ago)/.test(text), `${stage}'s instance says up and when it was heard (${text})`);
  }
  check((await page.getByTestId('health-banner').count()) === 0, 'no health banner while the pipeline is healthy');
  await shot('12a-pipeline-diagram');

  step('pipeline: the rates on the edges move while spans are sent');
  await until(page, 'spans accepted, appended and indexed per second above 0', async () => {
    sendSpans(4);
    await page.waitForTimeout(1500);
    for (const stage of EDGES) if (!((await rateOf(page, stage)) > 0)) return false;
    return true;
  }, 40_000);
  await shot('12b-pipeline-rates');

  step('pipeline: lag per partition and the WAL disk against its budget');
  const rows = page.getByTestId('partition-row');
  check((await rows.count()) >= 1, 'a row per partition');
  const partitions = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td').length));
  check(partitions.every((cells) => cells === 6), `each partition row has partition, indexer, head, indexed, backlog, lag (${partitions})`);
  const lag = await rows.first().locator('td').last().textContent();
  check(/^\d+\.\d s$/.test(lag), `lag in seconds (${lag})`);
  const disk = page.getByTestId('wal-disk');
  await disk.waitFor();
  const meter = Number(await disk.getByRole('meter').getAttribute('aria-valuenow'));
  check(meter >= 0 && meter <= 100, `the disk bar's value is a percentage (${meter})`);
  const diskText = await page.getByTestId('wal-disk-text').textContent();
  check(/ of [\d.]+ (B|KiB|MiB|GiB|TiB) \(/.test(diskText), `used of budget (${diskText})`);
  await page.getByTestId('partition-table').scrollIntoViewIfNeeded();
  await shot('12c-pipeline-partitions-disk');

  step('pipeline: each partition with its WAL and its replicas');
  const owned = page.getByTestId('ownership-row');
  check((await owned.count()) >= 1, 'a row per partition in the ownership table');
  const ownedCells = await owned.evaluateAll((trs) => trs.map((tr) => [tr.querySelectorAll('td').length, tr.querySelectorAll('td')[1].textContent]));
  check(ownedCells.every(([cells, wal]) => cells === 6 && wal !== '–'), `each partition row has partition, its WAL, replicas, lag, moves, epoch (${JSON.stringify(ownedCells)})`);
  const chip = await owned.first().getByTestId('replica-chip').first().textContent();
  check(/ready/.test(chip), `the first partition has a ready replica (${chip})`);

  step('pipeline: at 390 px the diagram stacks and nothing overflows');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${ui}/pipeline`);
  await page.getByTestId('pipeline-diagram').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, `no horizontal overflow at 390 px (${overflow} px)`);
  const boxes = [];
  for (const stage of FLOW) boxes.push(await page.getByTestId(`node-${stage}`).boundingBox());
  check(boxes.every((box, i) => i === 0 || box.y >= boxes[i - 1].y + boxes[i - 1].height), 'the stages stack top to bottom');
  check(boxes.every((box) => box.x >= 0 && box.x + box.width <= 390), 'every stage fits the screen');
  const ownershipBox = await page.getByTestId('ownership-table').evaluate((table) => {
    const box = table.parentElement.getBoundingClientRect();
    return { left: box.left, right: box.right, scrolls: getComputedStyle(table.parentElement).overflowX };
  });
  check(ownershipBox.left >= 0 && ownershipBox.right <= 390 && ownershipBox.scrolls === 'auto', `the partitions table scrolls in its own box (${JSON.stringify(ownershipBox)})`);
  await shot('12d-pipeline-phone');
  await page.setViewportSize({ width: 1280, height: 860 });

  step('pipeline: the banner names what is wrong and links to the pipeline page');
  const condition = {
    kind: 'stage_down', severity: 'error', stage: 'indexer', instance: '', partition: null, value: 42, threshold: 5,
    message: 'indexer is down: last heard 42 s ago',
  };
  const unhealthy = async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    await route.fulfill({ response, json: { ...body, status: 'unavailable', conditions: [condition] } });
  };
  await page.route('**/api/v1/pipeline?history=0', unhealthy);
  await page.goto(`${ui}/traces`);
  const banner = page.getByTestId('health-banner');
  await banner.waitFor({ timeout: 10_000 });
  const said = await banner.textContent();
  check(said.includes('Pipeline down: indexer is not running') && said.includes(condition.message), `the banner names it (${said})`);
  await shot('12e-health-banner');
  await banner.getByRole('link', { name: 'Open the pipeline' }).click();
  await page.waitForURL(/\/pipeline$/);
  await page.unroute('**/api/v1/pipeline?history=0', unhealthy);
  await page.reload();
  await page.getByTestId('pipeline-diagram').waitFor();
  await page.waitForTimeout(500);
  check((await page.getByTestId('health-banner').count()) === 0, 'the banner leaves with the condition');

  step("pipeline: exporter snippets use the gateway's real address");
  await page.goto(`${ui}/settings`);
  await page.getByLabel('Key name').fill('snippets');
  await page.getByRole('button', { name: 'Create key' }).click();
  const source = page.getByTestId('snippet-source');
  await until(page, 'the announced address in the snippets', async () => (await source.textContent()).includes(grpc), 10_000);
  check((await source.textContent()).includes('announces'), `it says where the address came from (${await source.textContent()})`);
  for (const details of await page.locator('.new-key details').all()) await details.locator('summary').click();
  const snippets = await page.getByTestId('snippet').allTextContents();
  check(snippets.length >= 3 && snippets.slice(0, 3).every((code) => code.includes(grpc)), `the gRPC snippets use ${grpc}`);
  if (!grpc.endsWith(':50051')) check(snippets.every((code) => !code.includes(':50051')), 'no snippet hard-codes :50051');
  await shot('12f-exporter-snippets');
  page.once('dialog', (dialog) => dialog.accept());
  await page.getByRole('button', { name: 'Revoke snippets' }).click();
  await until(page, 'the snippets key to leave the list', async () => (await page.getByRole('button', { name: 'Revoke snippets' }).count()) === 0, 10_000);
}
