// Browser tests of the vendor views (scorecard with its deep dive, coverage heatmap, notice
// deadlines) and the staffing calculator, each checked against the API's own answer for the
// same question, and the role policy: a vendor agent sees only its own vendor, an agent no
// vendor reports. Called by run.mjs on its demo company (scale 0.01, seed 42).
import { join } from 'node:path';

export async function vendorTests({ test, check, signedInPage, api, base, artifacts, rapport, password }) {
  // Last month, as the views and reports default to it.
  const now = new Date();
  const last = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  const month = `${last.getFullYear()}-${String(last.getMonth() + 1).padStart(2, '0')}`;

  const vendors = (await api('GET', '/api/v1/vendors?limit=500')).items;
  const agreements = (await api('GET', '/api/v1/agreements?kind=vendor&limit=500')).items;
  const cards = (await api('GET', '/api/v1/reports/scorecard')).scorecards;
  // A vendor with a flagged target whose deep dive names groups.
  const flaggedCard = cards.find((c) => c.metrics.some((m) => m.status === 'worse' && m.deep_dive.length));
  const covered = agreements.find((a) => a.coverage_calendar_id);
  const uncovered = vendors.find((v) => !agreements.some((a) => a.vendor_id === v.id && a.coverage_calendar_id));
  const users = async (role) => (await api('GET', `/api/v1/users?role=${role}&limit=500`)).items;
  const vendorAgent = (await users('vendor_agent')).find((u) => u.vendor_id === covered?.vendor_id);
  const agent = (await users('agent'))[0];
  for (const u of [vendorAgent, agent]) {
    if (u) rapport(['user', 'password', '--email', u.email], { RAPPORT_PASSWORD: password });
  }

  await test('a vendor scorecard flags a target out of band, and its deep dive opens', async () => {
    check(flaggedCard, 'the demo has no vendor with a target worse than its band');
    const page = await signedInPage('admin@demo.rapport');
    await page.getByRole('link', { name: 'Vendors', exact: true }).click();
    const name = flaggedCard.agreement.vendor.name;
    await page.getByRole('link', { name, exact: true }).click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    check(await page.getByLabel('Month').inputValue() === month, 'the month picker is not on last month');
    const flagged = flaggedCard.metrics.find((m) => m.status === 'worse' && m.deep_dive.length);
    const metricIndex = flaggedCard.metrics.indexOf(flagged);
    const rows = page.locator('table.metrics > tbody > tr:not(.deep-dive-row)');
    await rows.first().waitFor();
    check(await rows.count() === flaggedCard.metrics.length,
      `${await rows.count()} rows for ${flaggedCard.metrics.length} targets`);
    const row = rows.nth(metricIndex);
    const text = await row.textContent();
    // Flagged in words (not by colour alone), with the API's actual and deviation.
    check(text.includes('Out of band: worse'), `the flagged row says ${text}`);
    check(text.includes(`${flagged.actual_percent} %`), `the row lacks the actual ${flagged.actual_percent}`);
    check(text.includes(`${Math.abs(flagged.deviation_points)} pts`), 'the row lacks the deviation');
    for (const [i, m] of flaggedCard.metrics.entries()) {
      if (m.status === 'within_band') {
        check(!(await rows.nth(i).textContent()).includes('Out of band'), 'a target within its band is flagged');
      }
    }
    const toggle = row.getByRole('button', { name: /deep dive/i });
    check(await toggle.getAttribute('aria-expanded') === 'false', 'the deep dive starts open');
    await toggle.click();
    check(await toggle.getAttribute('aria-expanded') === 'true', 'the button does not say it is open');
    const dive = page.locator(`#${await toggle.getAttribute('aria-controls')}`);
    await dive.waitFor();
    const diveText = await dive.textContent();
    const top = flagged.deep_dive[0];
    const topName = top.queue?.name ?? top.agent?.name ?? top.channel;
    if (topName) check(diveText.includes(topName), `the deep dive does not name ${topName}`);
    check(diveText.includes(`${Math.abs(top.contribution_points)} pts`), 'the deep dive lacks the largest share');
    await page.screenshot({ path: join(artifacts, 'vendor-scorecard.png'), fullPage: true });
    // Another month: the address records it, and the cards are that month's.
    const earlier = new Date(last.getFullYear(), last.getMonth() - 1, 1);
    const earlierMonth = `${earlier.getFullYear()}-${String(earlier.getMonth() + 1).padStart(2, '0')}`;
    await page.getByLabel('Month').fill(earlierMonth);
    await page.waitForURL(`**/vendors/${flaggedCard.agreement.vendor.id}?month=${earlierMonth}`);
    const monthTitle = earlier.toLocaleDateString('en-US', { month: 'long', year: 'numeric' });
    await page.getByRole('heading', { name: new RegExp(monthTitle) }).first().waitFor();
    await page.context().close();
  });

  await test('the coverage heatmap outlines the contracted hours and says what is wrong with a range', async () => {
    check(covered, 'the demo has no agreement with a coverage calendar');
    const calendar = await api('GET', `/api/v1/calendars/${covered.coverage_calendar_id}`);
    const report = await api('GET', `/api/v1/reports/coverage?agreement_id=${covered.id}`);
    const page = await signedInPage('admin@demo.rapport');
    await page.goto(`${base}/vendors/${covered.vendor_id}/coverage`);
    await page.locator('table.heatmap td').first().waitFor();
    // Every cell holds its hour's contacts as text.
    const cells = await page.locator('table.heatmap td').evaluateAll((tds) =>
      tds.map((td) => ({ hour: Number(td.dataset.hour), contacts: parseInt(td.textContent, 10),
        contracted: td.dataset.contracted === 'yes', classes: td.className })));
    check(cells.length === 168, `${cells.length} cells`);
    for (const c of cells) {
      const h = report.hours[c.hour];
      check(c.contacts === h.inside.contacts + h.outside.contacts, `hour ${c.hour} shows ${c.contacts}`);
    }
    // The calendar's spans (the demo's start and end on the hour, within a day) are outlined:
    // each span's first hour has the region's top edge, the hour before it is outside.
    const day = (name) => ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].indexOf(name);
    const contracted = new Set();
    for (const span of calendar.hours) {
      const from = parseInt(span.start, 10);
      let to = parseInt(span.end, 10);
      if (to <= from) to += 24;  // runs past midnight
      for (let h = from; h < to; ++h) contracted.add((day(span.day) * 24 + h) % 168);
    }
    check(contracted.size > 0, 'the calendar has no hours');
    for (const c of cells) {
      check(c.contracted === contracted.has(c.hour), `hour ${c.hour} is ${c.contracted ? '' : 'not '}outlined`);
    }
    const span = calendar.hours[0];
    const first = cells.find((c) => c.hour === day(span.day) * 24 + parseInt(span.start, 10));
    check(/\bin-t\b/.test(first.classes), `the first contracted hour has no top edge: ${first.classes}`);
    check(await page.locator('table.heatmap [style]').count() === 0, 'an inline style (the CSP forbids them)');
    await page.screenshot({ path: join(artifacts, 'vendor-coverage.png'), fullPage: true });
    // A range that ends before it starts: the API's error beside the field.
    await page.getByLabel('From').fill('2026-03-10');
    await page.getByLabel('Up to (not including)').fill('2026-03-01');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator('#to-error', { hasText: 'after from' }).waitFor();
    check(await page.getByLabel('Up to (not including)').getAttribute('aria-invalid') === 'true',
      'the wrong field is not marked invalid');
    if (uncovered) {
      await page.goto(`${base}/vendors/${uncovered.id}/coverage`);
      await page.getByText('No agreement of this vendor names a coverage calendar.').waitFor();
    }
    await page.context().close();
  });

  await test('notice deadlines show the days remaining, soonest first, those in their notice window marked', async () => {
    const { agreements: expected } = await api('GET', '/api/v1/reports/deadlines');
    const page = await signedInPage('admin@demo.rapport');
    await page.getByRole('link', { name: 'Deadlines' }).click();
    await page.getByRole('heading', { name: 'Notice deadlines' }).waitFor();
    const rows = page.locator('table.deadlines tbody tr');
    await rows.first().waitFor();
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => ({
      id: Number(tr.dataset.agreement), days: tr.querySelector('.days').textContent,
      window: tr.className, text: tr.textContent })));
    check(shown.length === expected.length, `${shown.length} rows for ${expected.length} agreements`);
    let inWindow = 0;
    for (const [i, d] of expected.entries()) {
      const row = shown[i];
      check(row.id === d.agreement_id, `row ${i} is agreement ${row.id}, not ${d.agreement_id}`);
      if (d.days_remaining > 1) check(row.days === `${d.days_remaining} days`, `agreement ${d.agreement_id}: ${row.days}`);
      const open = d.status === 'open' && d.alerts.some((a) => a.reached);
      check(row.text.includes('In notice window') === open, `agreement ${d.agreement_id} window marked wrongly`);
      if (open) inWindow += 1;
    }
    check(inWindow > 0, 'no agreement of the demo is in its notice window');
    await page.screenshot({ path: join(artifacts, 'deadlines.png'), fullPage: true });
    await page.getByLabel('Agreements').selectOption('vendor');
    await page.waitForFunction(() => [...document.querySelectorAll('table.deadlines tbody tr')]
      .every((tr) => tr.textContent.includes('vendor')));
    await page.context().close();
  });

  await test('the staffing calculator computes agents and a week\'s plan, and names a bad field', async () => {
    const page = await signedInPage('admin@demo.rapport');
    await page.getByRole('link', { name: 'Staffing' }).click();
    await page.getByRole('heading', { name: 'Staffing' }).waitFor();
    await page.getByLabel('Contacts in the interval').fill('120');
    await page.getByLabel('Interval length (min)').fill('30');
    await page.getByLabel('Average handling time (s)').fill('240');
    await page.getByLabel('Service level (%)').fill('80');
    await page.getByLabel('Answered within (s)').fill('20');
    await page.getByLabel('Shrinkage (%)').fill('30');
    await page.getByRole('button', { name: 'Calculate' }).click();
    const { staffing } = await api('GET', '/api/v1/reports/staffing?calls=120&interval_minutes=30' +
      '&aht_seconds=240&service_level_percent=80&threshold_seconds=20&shrinkage_percent=30');
    await page.locator('dd.agents', { hasText: String(staffing.agents) }).waitFor();
    check(await page.locator('dd.scheduled').textContent() === String(staffing.scheduled_agents),
      'scheduled agents differ from the API\'s');
    await page.screenshot({ path: join(artifacts, 'staffing-interval.png'), fullPage: true });
    // A service level of 100 % is refused: said beside that field, and only there.
    await page.getByLabel('Service level (%)').fill('100');
    await page.getByRole('button', { name: 'Calculate' }).click();
    await page.locator('#service_level_percent-error', { hasText: '99.99' }).waitFor();
    check(await page.getByLabel('Service level (%)').getAttribute('aria-invalid') === 'true',
      'the wrong field is not marked invalid');
    check(await page.locator('.field-error').count() === 1, 'other fields are marked wrong too');
    check(await page.locator('dd.agents').count() === 0, 'a result is still shown for bad input');
    await page.screenshot({ path: join(artifacts, 'staffing-error.png'), fullPage: true });
    await page.getByLabel('Service level (%)').fill('80');
    // The coming week from the history of a vendor's contacts.
    await page.getByLabel('The coming week, forecast from past weeks').check();
    const vendor = flaggedCard?.agreement.vendor ?? vendors[0];
    await page.getByLabel('Vendor').selectOption(String(vendor.id));
    await page.getByLabel('Time zone').fill('UTC');
    await page.getByRole('button', { name: 'Calculate' }).click();
    const plan = await api('GET', `/api/v1/reports/staffing?vendor_id=${vendor.id}&time_zone=UTC` +
      '&aht_seconds=240&service_level_percent=80&threshold_seconds=20&shrinkage_percent=30');
    const rows = page.locator('table.plan tbody tr');
    await rows.first().waitFor();
    check(await rows.count() === plan.intervals.length, `${await rows.count()} intervals shown, ${plan.intervals.length} planned`);
    const busiest = plan.intervals.reduce((a, b) => (b.agents > a.agents ? b : a));
    const shown = await page.locator(`table.plan time[datetime="${busiest.start}"]`).locator('xpath=../..').textContent();
    check(shown.includes(String(busiest.forecast_contacts)) && shown.includes(`${busiest.service_level_percent} %`),
      `the busiest interval shows ${shown}`);
    await page.screenshot({ path: join(artifacts, 'staffing-plan.png'), fullPage: true });
    await page.context().close();
  });

  await test('a vendor agent sees only its own vendor: another vendor is not offered and its address is not found', async () => {
    check(vendorAgent, 'the demo has no agent of a vendor with a coverage calendar');
    const other = vendors.find((v) => v.id !== vendorAgent.vendor_id);
    const page = await signedInPage(vendorAgent.email);
    check(await page.getByRole('link', { name: 'Advocacy', exact: true }).count() === 0, 'advocacy offered');
    await page.getByRole('link', { name: 'Vendors', exact: true }).click();
    await page.getByRole('heading', { name: 'Vendors' }).waitFor();
    // The heading shows before the list has loaded: read the rows once there are some.
    await page.locator('table.report tbody th').first().waitFor();
    const listed = await page.locator('table.report tbody th').allTextContents();
    const own = vendors.find((v) => v.id === vendorAgent.vendor_id);
    check(listed.length === 1 && listed[0] === own.name, `the vendor agent is offered ${listed.join(', ')}`);
    await page.getByRole('link', { name: own.name, exact: true }).click();
    await page.locator('table.metrics').first().waitFor();
    await page.screenshot({ path: join(artifacts, 'vendor-scorecard-vendor-agent.png'), fullPage: true });
    for (const path of [`/vendors/${other.id}`, `/vendors/${other.id}/coverage`]) {
      await page.goto(base + path);
      await page.getByText('No such vendor.').waitFor();
      check(!(await page.content()).includes(other.name), `${path} names the other vendor`);
    }
    await page.screenshot({ path: join(artifacts, 'vendor-other-not-found.png'), fullPage: true });
    await page.goto(`${base}/deadlines`);
    const rows = page.locator('table.deadlines tbody tr');
    await rows.first().waitFor();
    const parties = await rows.evaluateAll((trs) => trs.map((tr) => tr.textContent));
    check(parties.every((t) => t.includes(own.name) && !t.includes('customer')),
      'the vendor agent sees another party\'s agreement');
    check(await page.getByLabel('Agreements').count() === 0, 'a kind filter offered to a vendor agent');
    await page.goto(`${base}/staffing`);
    await page.getByLabel('The coming week, forecast from past weeks').check();
    const offered = await page.getByLabel('Vendor').locator('option').allTextContents();
    check(offered.length === 1 && offered[0] === own.name, `staffing offers ${offered.join(', ')}`);
    await page.context().close();
  });

  await test('an agent is offered the staffing calculator but no vendor reports', async () => {
    check(agent, 'the demo has no agent');
    const page = await signedInPage(agent.email);
    check(await page.getByRole('link', { name: 'Staffing' }).count() === 1, 'staffing not offered');
    check(await page.getByRole('link', { name: 'Vendors', exact: true }).count() === 0, 'vendors offered');
    check(await page.getByRole('link', { name: 'Deadlines', exact: true }).count() === 0, 'deadlines offered');
    await page.goto(`${base}/vendors/${vendors[0].id}`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    await page.context().close();
  });

  await test('the vendor views and the calculator read on a narrow screen without sideways scrolling', async () => {
    const page = await signedInPage('admin@demo.rapport', { width: 390, height: 844 });
    const id = covered?.vendor_id ?? vendors[0].id;
    for (const [path, ready, shot] of [
      [`/vendors/${id}`, 'table.metrics', 'vendor-scorecard-narrow.png'],
      [`/vendors/${id}/coverage`, 'table.heatmap', 'vendor-coverage-narrow.png'],
      ['/deadlines', 'table.deadlines', 'deadlines-narrow.png'],
      ['/staffing', 'form.staffing', 'staffing-narrow.png'],
    ]) {
      await page.goto(base + path);
      await page.locator(ready).first().waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      check(width <= 400, `${path} scrolls sideways (${width}px)`);
      await page.screenshot({ path: join(artifacts, shot), fullPage: true });
    }
    await page.context().close();
  });
}
