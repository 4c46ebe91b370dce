// Browser tests of the dashboard and the management review (run by run.mjs): the charts
// are drawn and their tables carry the reports' figures, a new range is fetched, the API's
// refusals are shown beside their field, the review shows money at risk, and a vendor
// agent is offered no review.
import { join } from 'node:path';

// A figure as the page writes it (en-US in the test browser), and only its digits.
const digits = (text) => text.replace(/\D/g, '');

// The table row of `category` in the figure `id`: its cells by column header.
async function tableRow(page, id, category) {
  const table = page.locator(`#${id}-table`);
  const headers = await table.locator('thead th').allTextContents();
  const row = table.locator('tbody tr', { has: page.locator('th', { hasText: category }) });
  const cells = [await row.locator('th').textContent(), ...await row.locator('td').allTextContents()];
  return Object.fromEntries(headers.map((h, i) => [h, cells[i]]));
}

// Opens the dashboard from the navigation; answers the page and the service-level report
// the page received, with the query the page asked for.
async function openDashboard(page) {
  // Exact names: a case on the desk may be called "Dashboard not loading".
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/reports/service-level')),
    page.getByRole('link', { name: 'Dashboard', exact: true }).click(),
  ]);
  await page.getByRole('heading', { name: 'Dashboard', exact: true }).waitFor();
  return { query: new URL(response.url()).search, report: await response.json() };
}

export async function dashboardTests({ test, check, signedInPage, api, base, artifacts, adminEmail, vendorAgent }) {
  let page;

  await test('the dashboard draws its charts, and their tables carry the report\'s figures', async () => {
    page = await signedInPage(adminEmail);
    const { query, report } = await openDashboard(page);
    for (const id of ['service-level', 'volume', 'abandonment-fcr', 'signals']) {
      await page.locator(`figure:has(#${id}-caption) canvas`).first().waitFor();
      await page.locator(`#${id}-table tbody tr`).first().waitFor();
    }
    // The page's figures are the API's: the busiest period's volume and service level, as an
    // independent request with the page's parameters answers them.
    const fresh = await api('GET', `/api/v1/reports/service-level${query}`);
    check(JSON.stringify(fresh.groups) === JSON.stringify(report.groups), 'the page was given other figures');
    const busiest = fresh.groups.reduce((a, b) => (b.metrics.offered > a.metrics.offered ? b : a));
    check(busiest.metrics.offered > 0, 'the demo has no contacts in the default range');
    const volume = await tableRow(page, 'volume', busiest.period.label);
    check(digits(volume.Offered) === String(busiest.metrics.offered),
      `offered in ${busiest.period.label}: page ${volume.Offered}, API ${busiest.metrics.offered}`);
    const level = await tableRow(page, 'service-level', busiest.period.label);
    const expected = busiest.metrics.service_level_percent.abandons_against;
    check(Number(level['Service level'].replace('%', '')) === expected,
      `service level in ${busiest.period.label}: page ${level['Service level']}, API ${expected}`);
    // Every period of the range has its row, with or without contacts.
    const periods = await page.locator('#volume-table tbody tr').count();
    check(periods === 12, `${periods} periods for a year by month`);
    // The canvas tooltip (no HTML, so nothing for the CSP to refuse).
    await page.locator('figure:has(#volume-caption) canvas').first().hover();
    await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
  });

  await test('changing the range and the period fetches the figures again', async () => {
    const to = await page.getByLabel('To (included)').inputValue();
    const from = new Date(Date.parse(`${to}T00:00:00Z`) - 13 * 86400000).toISOString().slice(0, 10);
    let answer = page.waitForResponse((r) => r.url().includes('/api/v1/reports/signals') && r.url().includes(`from=${from}`));
    await page.getByLabel('From', { exact: true }).fill(from);
    await answer;
    answer = page.waitForResponse((r) => r.url().includes('/api/v1/reports/signals') && r.url().includes('period=day'));
    await page.getByLabel('By', { exact: true }).selectOption('day');
    const signals = await (await answer).json();
    check(signals.periods.length === 14, `${signals.periods.length} days from ${from} to ${to}`);
    await page.waitForFunction(() => document.querySelectorAll('#signals-table tbody tr').length === 14);
    const last = signals.periods.at(-1);
    const row = await tableRow(page, 'signals', last.period.label);
    check(digits(row['Live at the end']) === String(last.live_at_end),
      `live signals on ${last.period.label}: page ${row['Live at the end']}, API ${last.live_at_end}`);
    check(new URL(page.url()).searchParams.get('period') === 'day', 'the address does not keep the period');
  });

  await test('a range the API refuses is shown beside its field', async () => {
    const from = await page.getByLabel('From', { exact: true }).inputValue();
    const before = new Date(Date.parse(`${from}T00:00:00Z`) - 2 * 86400000).toISOString().slice(0, 10);
    await page.getByLabel('To (included)').fill(before);
    const error = page.locator('#dash-to-error');
    await error.waitFor();
    check((await error.textContent()).includes('after from'), `the refusal says: ${await error.textContent()}`);
    check(await page.getByLabel('To (included)').getAttribute('aria-invalid') === 'true', 'the field is not marked');
    check(await page.locator('figure canvas').count() === 0, 'figures of the range before are still shown');
    await page.screenshot({ path: join(artifacts, 'dashboard-refused.png'), fullPage: true });
  });

  await test('the review shows money at risk and its charts', async () => {
    const answer = page.waitForResponse((r) => r.url().includes('/api/v1/reports/review'));
    await page.getByRole('link', { name: 'Review', exact: true }).click();
    await page.getByRole('heading', { name: 'Management review' }).waitFor();
    const query = new URL((await answer).url()).search;
    const review = await api('GET', `/api/v1/reports/review${query}`);
    check(review.money_at_risk.length > 0, 'the demo has no money at risk in the default range');
    const panel = page.getByRole('region', { name: 'Money at risk' });
    for (const m of review.money_at_risk) {
      // The amount under "Revenue at risk (EUR)": its digits are the minor units'.
      const amount = await panel.locator('div', { has: page.locator('dt', { hasText: `(${m.currency})` }) })
        .locator('dd').first().textContent();
      check(digits(amount) === String(m.revenue_at_risk_minor),
        `revenue at risk in ${m.currency}: page ${amount}, API ${m.revenue_at_risk_minor}`);
    }
    for (const id of ['trend', 'by-category', 'by-owner', 'time-in-stage']) {
      await page.locator(`figure:has(#${id}-caption) canvas`).first().waitFor();
    }
    const opened = review.trend.reduce((sum, t) => sum + t.opened, 0);
    check(opened === review.escalations, `the trend opens ${opened} of ${review.escalations} escalations`);
    await page.screenshot({ path: join(artifacts, 'review.png'), fullPage: true });
  });

  await test('a narrow screen reads the dashboard in one column', async () => {
    const context = await page.context().browser().newContext({ viewport: { width: 390, height: 844 } });
    await context.addCookies(await page.context().cookies());
    const narrow = await context.newPage();
    await narrow.goto(`${base}/dashboard`);
    await narrow.locator('#volume-table tbody tr').first().waitFor();
    const width = await narrow.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 400, `the page scrolls sideways (${width}px)`);
    await narrow.screenshot({ path: join(artifacts, 'dashboard-narrow.png'), fullPage: true });
    await context.close();
    await page.context().close();
  });

  await test('a vendor agent has a dashboard of its vendor and no review', async () => {
    check(vendorAgent, 'the demo has no vendor agent');
    const own = await signedInPage(vendorAgent.email);
    check(await own.getByRole('link', { name: 'Review', exact: true }).count() === 0,
      'a vendor agent is offered the review, which the API refuses it');
    const { report } = await openDashboard(own);
    check(report.parameters.vendor_id === vendorAgent.vendor_id, 'the report is not confined to the vendor');
    check(await own.getByLabel('Vendor').count() === 0, 'a vendor agent is offered other vendors');
    await own.locator('#volume-table tbody tr').first().waitFor();
    await own.screenshot({ path: join(artifacts, 'dashboard-vendor-agent.png'), fullPage: true });
    await own.goto(`${base}/review`);
    await own.getByRole('heading', { name: 'Not found' }).waitFor();
    await own.context().close();
  });
}
