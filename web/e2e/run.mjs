// End-to-end tests of the web workspace: a real `rapport serve` on a fresh data directory
// with a small demo company, driven in Debian's headless chromium by playwright-core.
// Run by ctest (web_e2e); every view's screenshot lands in $E2E_ARTIFACTS.
//   RAPPORT_BIN    the rapport executable
//   RAPPORT_WEB    the built workspace (index.html and assets/)
//   E2E_ARTIFACTS  where screenshots go (default: ./e2e-artifacts)
//   CHROMIUM       the browser (default: /usr/bin/chromium)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { escalationTests } from './escalation.mjs';
import { dashboardTests } from './dashboard.mjs';
import { measureFirstLoad } from './first-load.mjs';
import { vendorTests } from './vendors.mjs';
import { liveTests } from './live.mjs';

const bin = process.env.RAPPORT_BIN || '../build/src/cli/rapport';
const web = process.env.RAPPORT_WEB || '../build/web-dist';
const artifacts = process.env.E2E_ARTIFACTS || 'e2e-artifacts';
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const password = 'e2e password 1234';

mkdirSync(artifacts, { recursive: true });
const data = mkdtempSync(join(tmpdir(), 'rapport-e2e-'));

function rapport(args, env = {}) {
  const r = spawnSync(bin, ['--data', data, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  if (r.status !== 0) throw new Error(`rapport ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

function startServer() {
  const child = spawn(bin, ['--data', data, '--log-level', 'warn', 'serve', '--port', '0',
    '--web', web], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.once('data', (chunk) => {
      const m = /http:\/\/[\d.]+:(\d+)\//.exec(String(chunk));
      if (m) resolve({ child, base: `http://127.0.0.1:${m[1]}` });
      else reject(new Error(`server did not start: ${chunk}`));
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

// --- the company -------------------------------------------------------------------------
rapport(['demo', '--scale', '0.01', '--seed', '42']);
const adminEmail = 'admin@demo.rapport';
const adminToken = rapport(['token', 'create', '--user', adminEmail]);
rapport(['user', 'password', '--email', adminEmail], { RAPPORT_PASSWORD: password });
const { child: server, base } = await startServer();
// However the run ends (an uncaught error included), the server goes with it.
process.on('exit', () => server.kill('SIGKILL'));
// The server reads its signal index after it starts serving; the case page's banners need it.
while ((await (await fetch(base + '/healthz')).json()).signals !== 'loaded') {
  await new Promise((resolve) => setTimeout(resolve, 20));
}

async function api(method, path, body) {
  const r = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// The desk: every open case, soonest due first. (Not the at-risk list: which demo cases
// have a clock due within a week depends on the hour the demo was generated.)
const desk = (await api('GET', '/api/v1/sla/open-cases?limit=500')).items;
if (desk.length === 0) throw new Error('the demo has no open case');
const queues = (await api('GET', '/api/v1/queues?limit=500')).items;
const vendorAgents = (await api('GET', '/api/v1/users?role=vendor_agent&limit=500')).items;
// A vendor's case, and an agent of another vendor who must not see its body.
const vendorCase = desk.find((r) => r.case.vendor_id)?.case;
const outsider = vendorAgents.find((u) => vendorCase && u.vendor_id !== vendorCase.vendor_id);
const insider = vendorAgents.find((u) => vendorCase && u.vendor_id === vendorCase.vendor_id);
for (const u of [outsider, insider]) {
  if (u) rapport(['user', 'password', '--email', u.email], { RAPPORT_PASSWORD: password });
}
// The case the agent works: the first on the desk.
const target = desk[0].case;
// An interaction on a queue takes the queue's channel; its vendor's agents see its body.
const channelOf = (kase) => queues.find((q) => q.id === kase.queue_id)?.channel ?? 'email';
const hostile = '<p>Hello from <b>Mallory</b></p><script>window.__pwned = 1</script>' +
  '<img src="x" onerror="window.__pwned = 2"><a href="javascript:window.__pwned=3">link</a>';
await api('POST', '/api/v1/interactions', {
  channel: channelOf(target), direction: 'inbound',
  account_id: target.account_id, case_id: target.id, queue_id: target.queue_id ?? undefined,
  arrived_at: new Date(Date.now() - 60000).toISOString(), subject: 'Scripted', body: hostile,
});
if (vendorCase) {
  await api('POST', '/api/v1/interactions', {
    channel: channelOf(vendorCase), direction: 'inbound', account_id: vendorCase.account_id,
    case_id: vendorCase.id, queue_id: vendorCase.queue_id,
    arrived_at: new Date(Date.now() - 30000).toISOString(), subject: 'Private',
    body: 'SECRET-OF-VENDOR-' + vendorCase.vendor_id,
  });
}

// An escalation brought to verifying, with a criterion not yet met and no agreement.
async function patchRecord(path, body) {
  const r = await fetch(base + path, { headers: { Authorization: `Bearer ${adminToken}` } });
  const etag = r.headers.get('ETag');
  const answer = await fetch(base + path, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json',
      'If-Match': etag },
    body: JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`PATCH ${path}: ${answer.status} ${await answer.text()}`);
  return answer.json();
}
const contact = (await api('GET', `/api/v1/people?account_id=${target.account_id}&limit=1`)).items[0];
const escalation = await api('POST', '/api/v1/escalations', {
  account_id: target.account_id, title: 'Orders keep arriving wrong', severity: 'high',
  owner_id: (await api('GET', '/api/v1/me')).id,
  case_ids: [target.id], contact_ids: contact ? [contact.id] : [],
  success_criteria: [{ description: 'Three correct deliveries in a row', met: false }],
});
const escalationPath = `/api/v1/escalations/${escalation.id}`;
await patchRecord(escalationPath, { stage: 'planning',
  plan: [{ description: 'Audit the warehouse picking', due_on: '2030-01-01' }] });
await patchRecord(escalationPath, { stage: 'executing' });
await patchRecord(escalationPath, { stage: 'verifying' });

// --- the browser -------------------------------------------------------------------------
const browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox'] });
const results = [];
const policyViolations = [];  // the workspace must not break its own CSP
const figures = {};
async function test(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}
function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function signedInPage(email, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
  page.on('console', (m) => {
    // Sanitising a hostile body (the case under test) makes the browser report the
    // handlers DOMPurify is about to drop; elsewhere a report means the workspace itself
    // broke its policy.
    const hostilePage = page.url().endsWith(`/cases/${target.id}`);
    if (m.text().includes('Content Security Policy') && !hostilePage) {
      policyViolations.push(`${page.url()}: ${m.text().slice(0, 80)} at ${JSON.stringify(m.location())}`);
    }
  });
  await page.goto(base + '/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Desk' }).waitFor();
  return page;
}

let agent;
await test('a wrong password is refused on the sign-in form', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(base + '/cases/1');
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('Wrong email or password.').waitFor();
  await page.screenshot({ path: join(artifacts, 'sign-in.png') });
  await context.close();
});

await test('sign in and see the desk sorted by due instant', async () => {
  agent = await signedInPage(adminEmail);
  await agent.locator('table.desk tbody tr').first().waitFor();
  const titles = await agent.locator('table.desk .clock-value').allTextContents();
  check(titles.length > 0, 'the desk lists no case');
  const cookies = await agent.context().cookies();
  const session = cookies.find((c) => c.name === 'rapport_session');
  check(session && session.httpOnly && session.sameSite === 'Strict', 'cookie flags');
  check(!(await agent.evaluate(() => document.cookie)).includes('rapport_session'),
    'script can read the session cookie');
  await agent.screenshot({ path: join(artifacts, 'desk.png'), fullPage: true });
  figures.firstLoad = await measureFirstLoad(browser, base, cookies, 5);
});

await test('a first load reads the desk once: the live stream starting afresh needs no re-read', async () => {
  const context = await browser.newContext();
  await context.addCookies(await agent.context().cookies());
  const page = await context.newPage();
  const reads = [];
  page.on('response', (r) => {
    if (r.url().includes('/api/v1/sla/open-cases')) reads.push(r.json());
  });
  await page.goto(base + '/');
  await page.locator('table.desk tbody tr').first().waitFor();
  await page.waitForTimeout(2500);  // the desk's live re-read waits 1 s after a notice
  const first = await reads[0];
  // A change to a case, an interaction or an account since the read would rightly bring
  // another (the recorder may write a breach meanwhile).
  const since = (await api('GET', `/api/v1/events?after=${first.sequence}&limit=500`)).items
    .filter((e) => ['case', 'interaction', 'account'].includes(e.entity));
  check(reads.length === 1 || since.length > 0,
    `the desk was read ${reads.length} times with no change since the first read`);
  await context.close();
});

await test('open a case: the 360 header, clocks and a body with a script that does not run',
  async () => {
    await agent.locator(`a[href="/cases/${target.id}"]`).first().click();
    await agent.getByRole('heading', { name: new RegExp(`Case #${target.id}`) }).waitFor();
    await agent.getByText('Hello from').first().waitFor();
    check(await agent.locator('.clocks .clock').count() > 0, 'no clock shown');
    check(await agent.locator('#account-title').count() === 1, 'no account header');
    const pwned = await agent.evaluate(() => window.__pwned);
    check(pwned === undefined, `a script from a body ran (${pwned})`);
    check(await agent.locator('.timeline .body script').count() === 0, 'a script element survived');
    check(await agent.locator('.timeline .body [onerror]').count() === 0, 'a handler survived');
    await agent.getByText('link', { exact: true }).click().catch(() => {});
    check(await agent.evaluate(() => window.__pwned) === undefined, 'a javascript: link ran');
    await agent.screenshot({ path: join(artifacts, 'case.png'), fullPage: true });
  });

await test('reply, add a note, log a call and change status: the timeline and the case change', async () => {
  const reply = `We are on it (${Date.now()})`;
  await agent.getByLabel(/Reply to the customer/).fill(reply);
  await agent.getByRole('button', { name: 'Send reply' }).click();
  await agent.locator('.timeline li', { hasText: reply }).waitFor();
  const newest = await agent.locator('.timeline li').first().textContent();
  check(newest.includes(reply) || newest.includes('Outbound'), `the newest item is ${newest}`);
  await agent.getByLabel('Internal note').fill('Called the warehouse');
  await agent.getByRole('button', { name: 'Add note' }).click();
  await agent.locator('.timeline li.item-note', { hasText: 'Called the warehouse' }).waitFor();
  await agent.getByLabel('What was said').fill('Promised a replacement by Friday');
  await agent.getByRole('button', { name: 'Log call' }).click();
  await agent.locator('.timeline li', { hasText: 'Promised a replacement by Friday' }).waitFor();
  const select = agent.getByLabel('Change status');
  const values = await select.locator('option').evaluateAll(
    (options) => options.map((o) => o.value).filter(Boolean));
  const next = values.includes('pending_customer') ? 'pending_customer' : values[0];
  await select.selectOption(next);
  await agent.getByRole('button', { name: 'Change', exact: true }).click();
  const shown = next.replace('_', ' ');
  await agent.locator('.case-head .status', { hasText: shown }).waitFor();
  // The newest timeline item is the status change.
  await agent.waitForFunction((text) => document.querySelector('.timeline li')?.textContent
    .includes(text), `→ ${shown}`);
  await agent.screenshot({ path: join(artifacts, 'case-after-reply.png'), fullPage: true });
});

await test('a narrow screen reads the case page in one column', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await context.addCookies(await agent.context().cookies());
  const page = await context.newPage();
  await page.goto(`${base}/cases/${target.id}`);
  await page.getByRole('heading', { name: new RegExp(`Case #${target.id}`) }).waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 400, `the page scrolls sideways (${width}px)`);
  await page.screenshot({ path: join(artifacts, 'case-narrow.png'), fullPage: true });
  await context.close();
});

await test('a vendor agent cannot see another vendor\'s case or its body', async () => {
  check(vendorCase && outsider && insider, 'the demo has no two vendors with agents');
  const page = await signedInPage(outsider.email);
  await page.screenshot({ path: join(artifacts, 'desk-vendor-agent.png'), fullPage: true });
  check(await page.getByRole('link', { name: 'Advocacy', exact: true }).count() === 0,
    'a vendor agent is offered the advocacy board, which the API refuses it');
  check(await page.locator(`a[href="/cases/${vendorCase.id}"]`).count() === 0,
    'the desk lists another vendor\'s case');
  await page.goto(`${base}/cases/${vendorCase.id}`);
  await page.getByText('No such case.').waitFor();
  check(!(await page.content()).includes('SECRET-OF-VENDOR'), 'another vendor\'s body shown');
  await page.screenshot({ path: join(artifacts, 'case-other-vendor.png'), fullPage: true });
  const own = await signedInPage(insider.email);
  await own.goto(`${base}/cases/${vendorCase.id}`);
  await own.getByText('SECRET-OF-VENDOR').first().waitFor();
  check(await own.getByRole('button', { name: 'Send reply' }).count() === 1, 'no reply offered');
  await page.context().close();
  await own.context().close();
});

await test('an escalation\'s close-out is refused with its reasons, then succeeds', async () => {
  await agent.getByRole('link', { name: 'Advocacy', exact: true }).click();
  await agent.getByRole('heading', { name: 'Advocacy' }).waitFor();
  await agent.locator('#stage-verifying').waitFor();
  await agent.screenshot({ path: join(artifacts, 'advocacy-board.png'), fullPage: true });
  await agent.getByRole('link', { name: 'Orders keep arriving wrong' }).click();
  await agent.getByRole('heading', { name: /Escalation #\d+: Orders keep arriving wrong/ }).waitFor();
  await agent.locator('.blocked', { hasText: 'not met: Three correct deliveries' }).waitFor();
  await agent.getByRole('button', { name: 'Close out' }).click();
  const refused = agent.locator('.error[role=alert]');
  await refused.waitFor();
  const reasons = await refused.textContent();
  check(reasons.includes('Three correct deliveries') && reasons.includes('agreement'),
    `the refusal does not say why: ${reasons}`);
  await agent.screenshot({ path: join(artifacts, 'escalation-refused.png'), fullPage: true });
  await agent.getByRole('button', { name: 'Edit criteria' }).click();
  await agent.getByLabel('Criterion 1 met').check();
  await agent.getByLabel('Evidence for criterion 1').fill('delivery log 42');
  await agent.getByRole('button', { name: 'Save criteria' }).click();
  await agent.locator('.blocked', { hasText: 'not met' }).waitFor({ state: 'detached' });
  const agreedBy = agent.getByLabel('Agreed by');
  const person = await agreedBy.locator('option').nth(1).getAttribute('value');
  await agreedBy.selectOption(person);
  await agent.getByRole('button', { name: 'Record agreement' }).click();
  await agent.getByText(/Agreed by .* on /).waitFor();
  await agent.getByRole('button', { name: 'Close out' }).click();
  await agent.locator('.escalation .status', { hasText: 'closed' }).waitFor();
  check(await agent.locator('.error[role=alert]').count() === 0, 'an error is still shown');
  const stored = await api('GET', escalationPath);
  check(stored.stage === 'closed', `the escalation is ${stored.stage}`);
  await agent.screenshot({ path: join(artifacts, 'escalation-closed.png'), fullPage: true });
});

await escalationTests({ test, check, signedInPage, api, patchRecord, rapport, password, base, artifacts, adminEmail });
await dashboardTests({ test, check, signedInPage, api, base, artifacts, adminEmail, vendorAgent: outsider });
await vendorTests({ test, check, signedInPage, api, base, artifacts, rapport, password });
await liveTests({ test, check, signedInPage, api, patchRecord, rapport, base, artifacts, target, password });

await test('the workspace never breaks its own Content-Security-Policy', async () => {
  check(policyViolations.length === 0, policyViolations.join('\n'));
});

await test('sign out returns to the sign-in form and the cookie no longer works', async () => {
  const cookies = await agent.context().cookies();
  await agent.getByRole('button', { name: 'Sign out' }).click();
  await agent.getByRole('button', { name: 'Sign in' }).waitFor();
  const stale = cookies.find((c) => c.name === 'rapport_session');
  const r = await fetch(base + '/api/v1/me', { headers: { Cookie: `rapport_session=${stale.value}` } });
  check(r.status === 401, `a signed-out cookie answered ${r.status}`);
});

await browser.close();
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
rmSync(data, { recursive: true, force: true });

if (figures.firstLoad) {
  console.log(`first load of the desk (median of ${figures.firstLoad.runs}, cold cache, loopback): ` +
    `${figures.firstLoad.median_ms} ms`);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
