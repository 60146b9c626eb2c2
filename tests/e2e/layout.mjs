// The layout walk (issue 30), called once by walkthrough.mjs near its end, signed in
// and with its data sent: every page at 1440x900, 390x844 and 360x740, light and
// dark, a screenshot of each (11a-... one letter a page; 11v-11x the waterfall, 11y the open menu). It asserts what a person on a
// phone needs: nothing wider than the screen at 360 px, every navigation entry
// (Pipeline, Settings, Sign out included) reachable through the Menu button, the
// waterfall's bars wider than half the screen, the span detail as a bottom sheet,
// and the run page's graph and state readable; and on the waterfall: the time axis
// with units following zoom, span kind and status by name, self time, arrow keys /
// Enter / Esc, ?span= surviving a reload; and every page's title.

const VIEWPORTS = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
  { width: 360, height: 740 },
];
const SCHEMES = ['light', 'dark'];
const UNIT = /^-?\d+(\.\d+)? (ns|µs|ms|s)$/;

export async function checkLayout({ page, ui, screenshots, check: strict, step }) {
  // Every page is walked even when one does not fit, so one run names them all.
  const problems = [];
  const check = (condition, message) => condition || problems.push(message);
  step('layout: every page at desktop and phone sizes, light and dark');
  const pages = await findPages(page, ui);
  let letter = 0;
  for (const target of pages) {
    const name = `11${String.fromCharCode(97 + letter++)}-${target.name}`;
    for (const viewport of VIEWPORTS) {
      await page.setViewportSize(viewport);
      for (const scheme of SCHEMES) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(`${ui}${target.path}`);
        await target.ready(page);
        if (viewport.width <= 390) await fitsTheScreen(page, check, `${target.name} at ${viewport.width} px (${scheme})`);
        await page.screenshot({ path: `${screenshots}/${name}-${viewport.width}-${scheme}.png` });
      }
      const title = await page.title();
      check(target.title.test(title), `${target.name}'s title names it (${title})`);
    }
  }

  step('layout: the navigation folds behind the Menu button on a phone');
  for (const viewport of VIEWPORTS.slice(1)) {
    await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(`${ui}/`);
    await page.getByRole('heading', { name: 'Services' }).waitFor();
    const menu = page.getByRole('button', { name: 'Menu' });
    check(await menu.isVisible(), `the Menu button shows at ${viewport.width} px`);
    const nav = page.getByRole('navigation', { name: 'Main' });
    check(!(await nav.getByRole('link', { name: 'Pipeline' }).isVisible()), `the entries are folded at ${viewport.width} px`);
    await menu.click();
    const entries = nav.getByRole('link');
    const names = await entries.allTextContents();
    for (const wanted of ['Services', 'Traces', 'Workflows', 'Pipeline', 'Settings']) check(names.includes(wanted), `the menu lists ${wanted} (${names})`);
    for (let i = 0; i < names.length; i++) await onScreen(page, entries.nth(i), check, `${names[i]} at ${viewport.width} px`);
    await onScreen(page, page.getByRole('button', { name: 'Sign out' }), check, `Sign out at ${viewport.width} px`);
    await page.screenshot({ path: `${screenshots}/11y-menu-open-${viewport.width}.png` });
    await nav.getByRole('link', { name: 'Pipeline' }).click();
    await page.getByRole('heading', { name: 'Pipeline' }).waitFor();
    check(!(await nav.getByRole('link', { name: 'Settings' }).isVisible()), 'the menu closes once an entry is chosen');
  }

  for (const optional of ['workflow-run', 'compare-runs', 'agent-run', 'session']) {
    check(pages.some((p) => p.name === optional), `a ${optional} page to visit was found in the lists`);
  }
  const trace = pages.find((p) => p.name === 'trace');
  await checkWaterfall(page, ui, trace.path.split('?')[0], screenshots, check, step);
  const run = pages.find((p) => p.name === 'workflow-run');
  if (run) await checkRunPage(page, ui, run.path, check, step);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 860 });
  strict(problems.length === 0, `the layout holds: ${problems.join('; ')}`);
}

// The pages to visit, with what shows each is ready and what its title says; the
// trace and the run are the first the lists show (the walkthrough sent them).
async function findPages(page, ui) {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${ui}/traces?service=e2e-svc`);
  await page.getByTestId('trace-results').locator('tbody tr a').first().waitFor();
  const tracePath = new URL(await page.getByTestId('trace-results').locator('tbody tr a').first().evaluate((a) => a.href)).pathname;
  // The newest run that carries a graph (a run sent without one shows no graph to lay out).
  await page.goto(`${ui}/workflows`);
  await page.getByTestId('workflow-runs').locator('tbody tr a').first().waitFor();
  const runLinks = await page.getByTestId('workflow-runs').locator('tbody tr a[href^="/workflows/"]')
    .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  let runLink;
  for (const link of runLinks.slice(0, 20)) {
    await page.goto(`${ui}${link}`);
    const graph = page.getByTestId('workflow-graph');
    await graph.or(page.getByText('This run carries no graph')).first().waitFor();
    if (await graph.count()) {
      runLink = link;
      break;
    }
  }
  // Two runs of one workflow to compare (the walkthrough sent one twice), from the list's links /workflows/<trace>/<span>.
  await page.goto(`${ui}/workflows`);
  await page.getByTestId('workflow-runs').locator('tbody tr a').first().waitFor();
  const named = await page.getByTestId('workflow-runs').locator('tbody tr a[href^="/workflows/"]')
    .evaluateAll((links) => links.map((a) => ({ name: a.textContent, href: a.getAttribute('href') })));
  const pair = named.filter((run) => named.filter((other) => other.name === run.name).length >= 2).slice(0, 2)
    .filter((run, i, both) => both[0].name === run.name);
  const comparePath = pair.length === 2
    ? `/workflows/compare?a=${pair[0].href.split('/').slice(2).join(':')}&b=${pair[1].href.split('/').slice(2).join(':')}` : undefined;
  await page.goto(`${ui}/workflows?type=agent`);
  await page.getByTestId('workflow-runs').or(page.locator('p.empty')).first().waitFor();
  const agentPath = await page.locator('[data-testid="workflow-runs"] a[href^="/agents/"]').first().getAttribute('href', { timeout: 2_000 }).catch(() => undefined);
  await page.goto(`${ui}/sessions`);
  await page.getByTestId('sessions-page').waitFor();
  const sessionPath = await page.locator('[data-testid="session-results"] a[href^="/sessions/"]').first().getAttribute('href', { timeout: 5_000 }).catch(() => undefined);
  const heading = (name) => async (p) => p.getByRole('heading', { name, exact: true }).first().waitFor();
  const testId = (id) => async (p) => p.getByTestId(id).first().waitFor();
  return [
    { name: 'services', path: '/', ready: heading('Services'), title: /^Services · Spanline$/ },
    { name: 'traces', path: '/traces?service=e2e-svc', ready: testId('trace-results'), title: /^Traces · Spanline$/ },
    { name: 'trace', path: tracePath, ready: testId('waterfall'), title: /^Trace [0-9a-f]{6}… · Spanline$/ },
    { name: 'workflows', path: '/workflows', ready: testId('workflow-runs'), title: /^Workflows · Spanline$/ },
    ...(runLink ? [{ name: 'workflow-run', path: runLink, ready: testId('workflow-graph'), title: / · Workflow run · Spanline$/ }] : []),
    ...(comparePath ? [{ name: 'compare-runs', path: comparePath, ready: async (p) => p.getByRole('heading', { name: /^Compare runs of / }).waitFor(), title: /^Compare runs · .+ · Spanline$/ }] : []),
    ...(agentPath ? [{ name: 'agent-run', path: agentPath, ready: testId('agent-timeline'), title: / · Agent run · Spanline$/ }] : []),
    { name: 'llm-usage', path: '/llm', ready: heading('LLM usage'), title: /^LLM usage · Spanline$/ },
    { name: 'sessions', path: '/sessions', ready: testId('sessions-page'), title: /^Sessions · Spanline$/ },
    ...(sessionPath ? [{ name: 'session', path: sessionPath, ready: testId('session-page'), title: /^Session .+ · Spanline$/ }] : []),
    { name: 'logs', path: '/logs', ready: testId('logs-page'), title: /^Logs · Spanline$/ },
    { name: 'pipeline', path: '/pipeline', ready: testId('stage-gateway'), title: /^Pipeline · Spanline$/ },
    { name: 'settings', path: '/settings', ready: heading('Settings'), title: /^Settings · Spanline$/ },
  ];
}

async function fitsTheScreen(page, check, what) {
  const { scrollWidth, innerWidth, widest } = await page.evaluate(() => {
    // The widest element past the right edge, to say what to fix.
    let widest = '';
    for (const el of document.querySelectorAll('body *')) {
      const box = el.getBoundingClientRect();
      if (box.right > innerWidth + 1 && box.width > 0) widest = `${el.tagName.toLowerCase()}.${el.className} (${Math.round(box.right)} px)`;
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth, widest };
  });
  check(scrollWidth <= innerWidth, `${what}: no horizontal overflow (${scrollWidth} > ${innerWidth}; ${widest})`);
}

async function onScreen(page, locator, check, what) {
  const box = await locator.boundingBox();
  const width = page.viewportSize().width;
  check(box && box.x >= 0 && box.x + box.width <= width && box.width > 0, `${what} is on screen (${JSON.stringify(box)})`);
}

const selectedRow = (page) => page.locator('[role="treeitem"][aria-selected="true"]');

async function checkWaterfall(page, ui, tracePath, screenshots, check, step) {
  step('layout: the waterfall has a time axis, names, self time, keyboard and ?span= in the URL');
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(`${ui}${tracePath}`);
  await page.getByRole('treeitem').first().waitFor();
  const ticks = async () => page.getByTestId('waterfall-axis').locator('.tick').allTextContents();
  const whole = await ticks();
  check(whole.length >= 2 && whole.every((t) => UNIT.test(t)), `the axis has ticks with units (${whole})`);

  // The keyboard: the first arrow selects the first row, the next moves down; Enter opens, Esc closes.
  await page.getByTestId('waterfall').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  const second = await page.getByRole('treeitem').nth(1).getAttribute('data-span-id');
  check((await selectedRow(page).getAttribute('data-span-id')) === second, 'arrow down moves the selection to the second span');
  await page.keyboard.press('ArrowUp');
  const first = await page.getByRole('treeitem').nth(0).getAttribute('data-span-id');
  check((await selectedRow(page).getAttribute('data-span-id')) === first, 'arrow up moves it back');
  await page.keyboard.press('ArrowDown');
  const detail = page.getByTestId('span-detail');
  await detail.waitFor();
  await page.keyboard.press('Escape');
  await detail.waitFor({ state: 'detached' });
  await page.keyboard.press('Enter');
  await detail.waitFor();
  const kind = (await detail.getByTestId('span-kind').textContent()).trim();
  const status = (await detail.getByTestId('span-status').textContent()).trim();
  check(['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'].includes(kind), `span kind by name (${kind})`);
  check(['UNSET', 'OK', 'ERROR'].includes(status), `status by name (${status})`);
  check(/\(.+ self\)/.test(await detail.getByTestId('span-self-time').textContent()), 'the span\'s self time is shown');

  await page.waitForURL((url) => url.searchParams.get('span') === second, { timeout: 5_000 });
  const name = await detail.locator('h2').textContent();
  await page.reload();
  await page.getByRole('treeitem').first().waitFor();
  check((await selectedRow(page).getAttribute('data-span-id')) === second, 'the selected span survives a reload (?span=)');
  check((await page.getByTestId('span-detail').locator('h2').textContent()) === name, 'and its detail is open');
  await page.screenshot({ path: `${screenshots}/11v-waterfall-keyboard-1440.png` });

  // Zoom to the selected span: the axis follows.
  await selectedRow(page).dblclick();
  const zoomed = await ticks();
  check(zoomed.every((t) => UNIT.test(t)) && zoomed.join() !== whole.join(), `the axis follows zoom (${whole} -> ${zoomed})`);

  for (const viewport of VIEWPORTS.slice(1)) {
    await page.setViewportSize(viewport);
    await page.goto(`${ui}${tracePath}?span=${second}`);
    await page.getByTestId('span-detail').waitFor();
    const widths = await page.evaluate(() => ({
      waterfall: document.querySelector('[data-testid="waterfall"]').getBoundingClientRect().width,
      bars: document.querySelector('[data-testid="waterfall-axis"] .timeline').getBoundingClientRect().width,
      sheet: getComputedStyle(document.querySelector('[data-testid="span-detail"]')).position,
      sheetBottom: document.querySelector('[data-testid="span-detail"]').getBoundingClientRect().bottom,
    }));
    check(widths.waterfall > viewport.width / 2, `the waterfall is wider than half a ${viewport.width} px screen (${widths.waterfall})`);
    check(widths.bars > viewport.width / 2, `its bars are wider than half a ${viewport.width} px screen (${widths.bars})`);
    const phoneTicks = await page.getByTestId('waterfall-axis').locator('.tick').allTextContents();
    check(phoneTicks.length >= 2 && phoneTicks.every((t) => UNIT.test(t)), `the axis has a scale at ${viewport.width} px (${phoneTicks})`);
    check(widths.sheet === 'fixed' && Math.abs(widths.sheetBottom - viewport.height) <= 1, `the span detail is a bottom sheet at ${viewport.width} px (${JSON.stringify(widths)})`);
    await fitsTheScreen(page, check, `the trace with its detail at ${viewport.width} px`);
    await page.screenshot({ path: `${screenshots}/11w-waterfall-sheet-${viewport.width}.png` });
    await page.getByRole('button', { name: 'Close span detail' }).click();
    await page.getByTestId('span-detail').waitFor({ state: 'detached' });
    await page.screenshot({ path: `${screenshots}/11x-waterfall-phone-${viewport.width}.png` });
  }
}

async function checkRunPage(page, ui, runPath, check, step) {
  step('layout: a run page on a phone shows its graph and its state readably');
  for (const viewport of VIEWPORTS.slice(1)) {
    await page.setViewportSize(viewport);
    await page.goto(`${ui}${runPath}`);
    await page.getByTestId('workflow-graph').waitFor();
    const graph = await page.getByTestId('workflow-graph').boundingBox();
    check(graph.width > viewport.width / 2 && graph.height > 40, `the run's graph shows at ${viewport.width} px (${JSON.stringify(graph)})`);
    const state = page.getByTestId('state-json');
    if (await state.count()) {
      const box = await state.boundingBox();
      check(box.width > viewport.width / 2, `the state JSON has the screen's width at ${viewport.width} px (${box.width})`);
    }
    await fitsTheScreen(page, check, `the run page at ${viewport.width} px`);
  }
}
