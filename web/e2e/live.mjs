// Live updates (web/src/live.ts, GET /api/v1/stream): what another user writes through the
// API shows on an open case page and on the desk without a reload, and a page whose sign-in
// ended elsewhere learns it from its stream. Also measures, roughly, how long an event takes from the
// write that commits it to a page's EventSource. Called by run.mjs.
import { join } from 'node:path';

export async function liveTests({ test, check, signedInPage, api, patchRecord, rapport, base,
  artifacts, target, password }) {
  // The browser's user is an agent; the writes come from the API helper's admin.
  const email = `live.agent.${Date.now()}@demo.rapport`;
  await api('POST', '/api/v1/users', { name: 'Lee Live', email, role: 'agent' });
  rapport(['user', 'password', '--email', email], { RAPPORT_PASSWORD: password });
  let page;

  await test('a case page shows another user\'s reply without a reload', async () => {
    page = await signedInPage(email);
    await page.goto(`${base}/cases/${target.id}`);
    await page.getByRole('heading', { name: new RegExp(`Case #${target.id}`) }).waitFor();
    await page.locator('.live[data-state=live]').waitFor();
    await page.evaluate(() => { window.__sameDocument = true; });  // gone if the page reloads
    // Older items loaded by hand stay loaded when the page reads the newest again.
    const older = page.getByRole('button', { name: 'Older items' });
    const firstPage = await page.locator('.timeline li').count();
    if (await older.count() > 0) {
      await older.click();
      await page.waitForFunction((n) => document.querySelectorAll('.timeline li').length > n, firstPage);
    }
    const loaded = await page.locator('.timeline li').count();
    const body = `Any news on my order? (${Date.now()})`;
    await api('POST', '/api/v1/interactions', {
      channel: 'email', direction: 'inbound', account_id: target.account_id, case_id: target.id,
      arrived_at: new Date().toISOString(), subject: 'Chasing', body, outcome: 'received',
    });
    await page.locator('.timeline li', { hasText: body }).first().waitFor();
    const now = await page.locator('.timeline li').count();
    check(now > loaded, `the timeline dropped loaded items (${loaded} before, ${now} after)`);
    // A status change by someone else: the case's head follows.
    const kase = await api('GET', `/api/v1/cases/${target.id}`);
    const next = kase.status === 'new' || kase.status === 'pending_internal' ? 'open' : 'pending_internal';
    await patchRecord(`/api/v1/cases/${target.id}`, { status: next });
    await page.locator('.case-head .status', { hasText: next.replace('_', ' ') }).waitFor();
    check(await page.evaluate(() => window.__sameDocument), 'the page was reloaded');
    await page.screenshot({ path: join(artifacts, 'case-live.png'), fullPage: true });
  });

  await test('the desk shows 100 open cases of all, the rest on request, and a new one live', async () => {
    // More open cases than a page (the demo company at this scale has only a few).
    for (let i = 0; i < 110; i++) {
      await api('POST', '/api/v1/cases', { account_id: target.account_id, subject: `Backlog ${i}` });
    }
    await page.getByRole('link', { name: 'Desk' }).click();
    await page.locator('table.desk tbody tr').first().waitFor();
    await page.locator('.live[data-state=live]').waitFor();
    const count = page.locator('.desk-count [role=status]');
    const total = Number(/^Showing 100 of (\d+) open cases\.$/.exec(await count.textContent())?.[1]);
    check(total > 110, `the desk does not say it shows 100 of all: ${await count.textContent()}`);
    check(await page.locator('table.desk tbody tr').count() === 100, 'not 100 rows');
    await page.getByRole('button', { name: `Show ${Math.min(100, total - 100)} more` }).click();
    await page.getByText(`Showing ${Math.min(200, total)} of ${total} open cases.`).waitFor();
    while (await page.getByRole('button', { name: /^Show \d+ more$/ }).count() > 0) {
      const shown = await page.locator('table.desk tbody tr').count();
      await page.getByRole('button', { name: /^Show \d+ more$/ }).click();
      await page.waitForFunction((n) => document.querySelectorAll('table.desk tbody tr').length > n, shown);
    }
    // Every open case shown: a new one appears wherever it sorts, and the count follows.
    const subject = `Live desk case ${Date.now()}`;
    const created = await api('POST', '/api/v1/cases', { account_id: target.account_id, subject });
    const row = page.locator('table.desk tbody tr', { hasText: subject });
    await row.waitFor();
    await page.getByText(`Showing ${total + 1} of ${total + 1} open cases.`).waitFor();
    check(await page.evaluate(() => window.__sameDocument), 'the page was reloaded');
    const account = await api('GET', `/api/v1/accounts/${target.account_id}`);
    check((await row.locator('.account-name').textContent()) === account.name,
      'the desk shows the account\'s id, not its name');
    check(await row.locator(`a[href="/cases/${created.id}"]`).count() > 0, 'the row does not link the case');
    await page.screenshot({ path: join(artifacts, 'desk-live.png'), fullPage: true });
  });

  await test('an event reaches the browser soon after its write commits', async () => {
    // A second EventSource in the page, timing each notice on the shared clock.
    await page.evaluate(() => new Promise((resolve) => {
      window.__arrivals = {};
      const es = new EventSource('/api/v1/stream');
      es.onmessage = (e) => {
        const change = JSON.parse(e.data);
        window.__arrivals[change.entity_id] = Date.now();
      };
      es.onopen = resolve;
      window.__timing = es;
    }));
    const latencies = [];
    for (let i = 0; i < 7; i++) {
      const started = Date.now();
      const account = await api('POST', '/api/v1/accounts', { name: `Timing ${i} ${started}`, segment: 'smb' });
      const arrived = await page.waitForFunction((id) => window.__arrivals[id], account.id)
        .then((h) => h.jsonValue());
      latencies.push(arrived - started);
    }
    await page.evaluate(() => window.__timing.close());
    latencies.sort((a, b) => a - b);
    console.log(`  live: write request to EventSource message, median ${latencies[3]} ms ` +
      `(${latencies.join(', ')} ms; loopback, the write's own round trip included)`);
  });

  await test('a page whose sign-in ended elsewhere returns to the sign-in form', async () => {
    await page.goto(`${base}/cases/${target.id}`);
    await page.locator('.live[data-state=live]').waitFor();
    // Signed out elsewhere: another tab, with the same cookie and its CSRF token.
    const cookie = `rapport_session=${(await page.context().cookies())
      .find((c) => c.name === 'rapport_session').value}`;
    const session = await (await fetch(`${base}/api/v1/session`, { headers: { Cookie: cookie } })).json();
    const ended = await fetch(`${base}/api/v1/session`, {
      method: 'DELETE', headers: { Cookie: cookie, 'X-CSRF-Token': session.csrf_token },
    });
    check(ended.status === 204, `sign-out answered ${ended.status}`);
    // A change the case page does not show: the stream ends at it (its sign-in no longer
    // names its user), and the page learns why.
    await api('POST', '/api/v1/accounts', { name: `Unrelated ${Date.now()}`, segment: 'smb' });
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await page.context().close();
  });
}
