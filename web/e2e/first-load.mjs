// First load of the desk: from navigation start to the desk's rows rendered, in a fresh
// browser context (nothing cached) already holding a session cookie. Used by run.mjs, and
// on its own against a running server (e.g. `make demo`'s):
//   RAPPORT_PASSWORD=... node e2e/first-load.mjs http://127.0.0.1:8080 admin@demo.rapport
import { chromium } from 'playwright-core';

export async function measureFirstLoad(browser, base, cookies, runs = 5) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies(cookies);
    const page = await context.newPage();
    await page.goto(base + '/');
    await page.locator('table.desk tbody tr, main p:has-text("No open case")').first().waitFor();
    // The desk marks the moment its rows are rendered; the figure is that mark's time after
    // the navigation started (the page's time origin).
    times.push(await page.evaluate(
      () => performance.getEntriesByName('rapport:desk-ready')[0]?.startTime ?? NaN));
    await context.close();
  }
  times.sort((a, b) => a - b);
  return { runs, median_ms: Math.round(times[Math.floor(runs / 2)]), all_ms: times.map(Math.round) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [base, email] = process.argv.slice(2);
  const password = process.env.RAPPORT_PASSWORD;
  if (!base || !email || !password) {
    console.error('usage: RAPPORT_PASSWORD=... node e2e/first-load.mjs BASE EMAIL');
    process.exit(2);
  }
  const signIn = await fetch(base + '/api/v1/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (!signIn.ok) throw new Error(`sign-in: ${signIn.status}`);
  const value = /rapport_session=([^;]+)/.exec(signIn.headers.get('set-cookie'))[1];
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  const cookies = [{ name: 'rapport_session', value, url: base, httpOnly: true, sameSite: 'Strict' }];
  const result = await measureFirstLoad(browser, base, cookies, 7);
  await browser.close();
  console.log(`first load of the desk: median ${result.median_ms} ms over ${result.runs} runs ` +
    `(${result.all_ms.join(', ')} ms)`);
}
