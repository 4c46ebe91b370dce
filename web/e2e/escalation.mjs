// Browser tests of the advocacy board and of editing an escalation from its page; run.mjs
// calls escalationTests with its harness. Each test writes through the page and checks
// what the API stored, so a form that shows a change it did not save fails.
import { join } from 'node:path';

export async function escalationTests({
  test, check, signedInPage, api, patchRecord, rapport, password, base, artifacts, adminEmail,
}) {
  // --- the records (a failure here fails every test below, each on its own) -----------
  let me, viewer, otherAgent, manager, services, account, people, edited, editedPath, other, staged,
    closed, afterClose;
  await test('the advocacy tests\' records are created through the API', async () => {
    me = await api('GET', '/api/v1/me');
    const users = (await api('GET', '/api/v1/users?limit=500')).items;
    viewer = users.find((u) => u.role === 'viewer' && u.active);
    otherAgent = users.find((u) => u.role === 'agent' && u.active);
    manager = users.find((u) => u.role === 'manager' && u.active);
    for (const u of [viewer, otherAgent]) {
      if (u) rapport(['user', 'password', '--email', u.email], { RAPPORT_PASSWORD: password });
    }
    services = (await api('GET', '/api/v1/mitigating_services?limit=500')).items
      .filter((s) => s.active);
    const accounts = (await api('GET', '/api/v1/accounts?limit=500')).items;
    // An account whose money the catalogue can offer a trial in, with people to agree.
    people = [];
    for (const a of accounts.filter((a) => services.some((s) => s.currency === a.currency))) {
      people = (await api('GET', `/api/v1/people?account_id=${a.id}&limit=5`)).items;
      if (people.length > 0) {
        account = a;
        break;
      }
    }
    check(account, 'no account with people whose currency the catalogue offers');
    const cases = (await api('GET', `/api/v1/cases?account_id=${account.id}&limit=1`)).items;
    const create = (fields) => api('POST', '/api/v1/escalations', {
      account_id: account.id, owner_id: me.id, contact_ids: [people[0].id], ...fields,
    });
    // Edited through the page by the tests below.
    edited = await create({
      title: 'Billing runs twice a month', severity: 'critical', case_ids: cases.map((c) => c.id),
    });
    editedPath = `/api/v1/escalations/${edited.id}`;
    // Another owner's, of another severity: what the board's filters tell apart.
    other = await create({ title: 'Portal sign-in is slow', severity: 'low', owner_id: manager.id });
    await api('POST', `/api/v1/escalations/${other.id}/progress-updates`,
      { channel: 'email', summary: 'Weekly status', at: new Date(Date.now() - 3 * 86400000).toISOString() });
    // Moved through its stages from the page.
    staged = await create({
      title: 'Returns are refunded late', severity: 'high',
      plan: [{ description: 'Refund queue audit' }],
      dry_run_checklist: [{ item: 'Rehearse the meeting', done: false }],
    });
    // Closed, with a contact afterwards awaiting classification.
    closed = await create({
      title: 'Deliveries to the wrong depot', severity: 'medium',
      plan: [{ description: 'Correct the depot table' }],
      success_criteria: [{ description: 'A month of right deliveries', met: true, evidence: 'depot log' }],
      customer_agreement: { person_id: people[0].id, at: new Date(Date.now() - 60000).toISOString() },
    });
    for (const stage of ['planning', 'executing', 'verifying', 'closed']) {
      await patchRecord(`/api/v1/escalations/${closed.id}`, { stage });
    }
    afterClose = await api('POST', '/api/v1/interactions', {
      channel: 'email', direction: 'inbound', account_id: account.id, person_id: people[0].id,
      arrived_at: new Date().toISOString(), subject: 'Wrong depot again', body: 'Again.',
    });
  });

  const open = async (page, id) => {
    await page.goto(`${base}/escalations/${id}`);
    await page.getByRole('heading', { name: new RegExp(`Escalation #${id}:`) }).waitFor();
  };
  // The stage panel's move buttons, as offered.
  const moves = (page) => page.locator('section[aria-labelledby=move-title] .moves button').allTextContents();

  // --- the tests -------------------------------------------------------------------------
  let admin;
  await test('the advocacy board shows each escalation by stage with its account, owner and last update, and filters by owner and severity', async () => {
    admin = await signedInPage(adminEmail);
    await admin.goto(`${base}/escalations`);
    const card = admin.locator('li.card', { hasText: 'Billing runs twice a month' });
    await card.waitFor();
    check(await admin.locator('section[aria-labelledby=stage-engaged] li.card',
      { hasText: 'Billing runs twice a month' }).count() === 1, 'not in the engaged column');
    await card.getByText(account.name).waitFor();
    await card.getByText(`owner ${me.name}`).waitFor();
    await card.getByText('no progress update yet').waitFor();
    const otherCard = admin.locator('li.card', { hasText: 'Portal sign-in is slow' });
    await otherCard.getByText(/last update 3d \d+h ago/).waitFor();
    await otherCard.getByText(`owner ${manager.name}`).waitFor();
    await admin.screenshot({ path: join(artifacts, 'advocacy-board-owners.png'), fullPage: true });

    await admin.getByLabel('Severity').selectOption('low');
    await card.waitFor({ state: 'detached' });
    await otherCard.waitFor();
    check(new URL(admin.url()).searchParams.get('severity') === 'low', `the filter is not in ${admin.url()}`);
    await admin.reload();
    await otherCard.waitFor();
    check(await admin.getByLabel('Severity').inputValue() === 'low', 'the filter was lost on reload');
    check(await card.count() === 0, 'a critical escalation shown under low');
    await admin.getByLabel('Severity').selectOption('');
    await admin.getByLabel('Owner').selectOption(String(me.id));
    // The card is shown under both filters: wait for the other owner's to go (it must).
    await otherCard.waitFor({ state: 'detached' });
    await card.waitFor();
    check(new URL(admin.url()).searchParams.get('owner') === String(me.id), `the owner filter is not in ${admin.url()}`);
  });

  await test('edit the situation, add a contributing factor and a plan action from the page; a reload shows them, and the API has them', async () => {
    await open(admin, edited.id);
    await admin.getByRole('button', { name: 'Edit situation' }).press('Enter');
    // The keyboard lands in the form it opened, and back on its button when it closes.
    await admin.waitForFunction(() => document.activeElement?.id === 'field-customer_impact');
    await admin.getByLabel('Customer impact').fill('Customers were charged twice in March');
    await admin.getByLabel('Root cause', { exact: true }).fill('The retry job did not check for a payment');
    await admin.getByLabel('Root-cause category').selectOption('process');
    await admin.getByRole('button', { name: 'Save situation' }).click();
    await admin.getByText('The retry job did not check for a payment').waitFor();
    await admin.waitForFunction(() => document.activeElement?.textContent === 'Edit situation');

    await admin.getByRole('button', { name: 'Edit factors' }).click();
    await admin.getByRole('button', { name: 'Add factor' }).click();
    await admin.getByLabel('Factor 1', { exact: true }).fill('The retry job was never reviewed');
    // A function is asked for only when the party is us.
    await admin.getByLabel('Factor 1 owned by').selectOption('customer');
    check(await admin.getByLabel('Factor 1: our function').count() === 0, 'a function asked of the customer');
    await admin.getByLabel('Factor 1 owned by').selectOption('us');
    await admin.getByLabel('Factor 1: our function').selectOption('engineering');
    await admin.getByRole('button', { name: 'Save factors' }).click();
    await admin.getByText('The retry job was never reviewed').waitFor();

    await admin.getByRole('button', { name: 'Edit plan' }).click();
    await admin.getByRole('button', { name: 'Add action' }).click();
    await admin.getByLabel('Action 1', { exact: true }).fill('Add a payment check to the retry job');
    await admin.getByLabel('Action 1 owner').selectOption(String(manager.id));
    await admin.getByLabel('Action 1 due').fill('2031-03-01');
    await admin.getByLabel('Action 1 status').selectOption('in_progress');
    await admin.getByRole('button', { name: 'Save plan' }).click();
    await admin.getByText('Add a payment check to the retry job').waitFor();

    await admin.reload();
    await admin.getByText('Customers were charged twice in March').waitFor();
    await admin.getByText('The retry job was never reviewed').waitFor();
    await admin.locator('.plan li', { hasText: 'Add a payment check to the retry job' })
      .getByText(`${manager.name} · in progress · due 2031-03-01`).waitFor();
    const stored = await api('GET', editedPath);
    check(stored.customer_impact === 'Customers were charged twice in March', 'impact not stored');
    check(stored.root_cause_category === 'process', `category ${stored.root_cause_category}`);
    check(JSON.stringify(stored.contributing_factors) === JSON.stringify(
      [{ description: 'The retry job was never reviewed', party: 'us', function: 'engineering' }]),
    `factors ${JSON.stringify(stored.contributing_factors)}`);
    check(stored.plan.length === 1 && stored.plan[0].owner_id === manager.id &&
      stored.plan[0].due_on === '2031-03-01' && stored.plan[0].status === 'in_progress',
    `plan ${JSON.stringify(stored.plan)}`);
    await admin.screenshot({ path: join(artifacts, 'escalation-edited.png'), fullPage: true });
  });

  await test('the API\'s field errors are shown next to the fields they name', async () => {
    await admin.getByRole('button', { name: 'Edit criteria' }).click();
    await admin.getByRole('button', { name: 'Add criterion' }).click();
    await admin.getByLabel('Criterion 1', { exact: true }).fill('No double charge for 60 days');
    await admin.getByLabel('Criterion 1 met').check();
    await admin.getByRole('button', { name: 'Save criteria' }).click();
    const evidence = admin.getByLabel('Evidence for criterion 1');
    await admin.locator('#error-success_criteria-0--evidence',
      { hasText: 'is required when the criterion is met' }).waitFor();
    check(await evidence.getAttribute('aria-invalid') === 'true', 'the evidence field is not marked');
    check(await evidence.getAttribute('aria-describedby') === 'error-success_criteria-0--evidence',
      'the error is not tied to its field');
    await admin.screenshot({ path: join(artifacts, 'escalation-field-error.png'), fullPage: true });
    await evidence.fill('billing report of May');
    await admin.getByRole('button', { name: 'Save criteria' }).click();
    await admin.locator('.criteria', { hasText: 'billing report of May' }).waitFor();
    check((await api('GET', editedPath)).success_criteria[0].met === true, 'the criterion is not stored met');
  });

  await test('an edit of a record someone else changed meanwhile is not saved: the page says so and reloads', async () => {
    await admin.getByRole('button', { name: 'Edit situation' }).click();
    await admin.getByLabel('Customer impact').fill('Mine: written over theirs');
    await patchRecord(editedPath, { customer_impact: 'Theirs: changed through the API' });
    await admin.getByRole('button', { name: 'Save situation' }).click();
    await admin.locator('.notice[role=alert]', { hasText: 'Changed by someone else — reloaded' }).waitFor();
    await admin.getByText('Theirs: changed through the API').waitFor();
    check(await admin.getByRole('button', { name: 'Save situation' }).count() === 0,
      'the stale form is still open');
    check((await api('GET', editedPath)).customer_impact === 'Theirs: changed through the API',
      'the other change was overwritten');
    await admin.screenshot({ path: join(artifacts, 'escalation-stale.png'), fullPage: true });
  });

  await test('log a progress update; the page shows the age of the last one', async () => {
    await admin.getByText('No update sent to the customer yet.').waitFor();
    await admin.getByLabel('Channel').selectOption('phone');
    await admin.getByLabel('What the customer was told').fill('Refunds for March are on their way');
    await admin.getByRole('button', { name: 'Log update' }).click();
    await admin.locator('.last-update', { hasText: /Last update sent \d+ minutes ago/ }).waitFor();
    await admin.locator('.updates li', { hasText: 'Refunds for March are on their way' }).waitFor();
    const stored = await api('GET', editedPath);
    check(stored.progress_updates.length === 1 && stored.progress_updates[0].channel === 'phone' &&
      stored.progress_updates[0].by === me.id, `updates ${JSON.stringify(stored.progress_updates)}`);
  });

  await test('enter the business impact, start a trial of a catalogue service and record its outcome: the ROI is shown', async () => {
    await admin.getByRole('button', { name: 'Edit amounts' }).click();
    await admin.getByLabel(/^Revenue at risk/).fill('120000');
    await admin.getByLabel(/^Incident cost/).fill('1500');
    await admin.getByRole('button', { name: 'Save amounts' }).click();
    await admin.getByRole('button', { name: 'Edit amounts' }).waitFor();
    let stored = await api('GET', editedPath);
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency: stored.currency })
      .resolvedOptions().maximumFractionDigits;
    check(stored.revenue_at_risk_minor === 120000 * 10 ** digits &&
      stored.incident_cost_minor === 1500 * 10 ** digits,
    `amounts ${stored.revenue_at_risk_minor} ${stored.incident_cost_minor}`);

    const service = services.find((s) => s.currency === account.currency);
    await admin.getByLabel('Service', { exact: true }).selectOption(String(service.id));
    await admin.getByRole('button', { name: 'Start trial' }).click();
    const trial = admin.locator('.trial', { hasText: service.name });
    await trial.getByText(/Return on investment: [\d,.]+ %/).waitFor();
    await trial.getByLabel(/^Outcome of the/).selectOption('purchased');
    await trial.getByRole('button', { name: 'Save outcome' }).click();
    await trial.locator('.muted', { hasText: 'purchased' }).waitFor();
    const trials = (await api('GET', `/api/v1/trials?escalation_id=${edited.id}&limit=10`)).items;
    check(trials.length === 1 && trials[0].outcome === 'purchased', `trials ${JSON.stringify(trials)}`);
    const overview = await api('GET', `${editedPath}/overview`);
    const roi = overview.trials[0].return.roi_percent;
    await trial.getByText(`${roi.toLocaleString('en-US')} %`).waitFor();
    await admin.screenshot({ path: join(artifacts, 'escalation-page.png'), fullPage: true });
  });

  await test('a stage move offers only the moves the stage machine allows, and a refused one says why', async () => {
    await open(admin, staged.id);
    check(JSON.stringify(await moves(admin)) === JSON.stringify(['Move to planning']),
      `engaged offers ${await moves(admin)}`);
    await admin.getByRole('button', { name: 'Move to planning' }).click();
    await admin.getByRole('heading', { name: 'Stage: planning' }).waitFor();
    check(JSON.stringify(await moves(admin)) === JSON.stringify(['Move to executing']),
      `planning offers ${await moves(admin)}`);
    await admin.getByRole('button', { name: 'Move to executing' }).click();
    await admin.locator('section[aria-labelledby=move-title] .error[role=alert]',
      { hasText: 'not done before the customer meeting: Rehearse the meeting' }).waitFor();
    await admin.getByLabel('Rehearse the meeting').check();
    await admin.locator('.blocked').waitFor({ state: 'detached' });  // the tick is saved
    await admin.getByRole('button', { name: 'Move to executing' }).click();
    await admin.getByRole('heading', { name: 'Stage: executing' }).waitFor();
    check(JSON.stringify(await moves(admin)) === JSON.stringify(['Move to verifying', 'Back to planning']),
      `executing offers ${await moves(admin)}`);
    check((await api('GET', `/api/v1/escalations/${staged.id}`)).stage === 'executing', 'not stored');
  });

  await test('a contact after the close-out is classified from the page, with Rapport\'s suggestion shown', async () => {
    await open(admin, closed.id);
    check(JSON.stringify(await moves(admin)) === JSON.stringify(['Move to reviewed']),
      `closed offers ${await moves(admin)}`);
    const group = admin.getByRole('group', { name: `Classify contact #${afterClose.id}` });
    const contact = admin.locator('.contact', { has: group });
    await contact.getByText(/Rapport suggests (related|separate):/).waitFor();
    await group.getByRole('button', { name: 'Separate (new escalation)' }).click();
    const link = admin.locator('.classified li', { hasText: `Contact #${afterClose.id}: separate` })
      .getByRole('link', { name: /escalation #\d+/ });
    await link.waitFor();
    await admin.screenshot({ path: join(artifacts, 'escalation-classified.png'), fullPage: true });
    await link.click();
    await admin.getByText(`follows #${closed.id}`).waitFor();
    await admin.getByRole('heading', { name: 'Stage: engaged' }).waitFor();
  });

  await test('a viewer, and an agent who does not own it, read an escalation without any control that changes it', async () => {
    check(viewer && otherAgent, 'the demo has no viewer or agent');
    for (const who of [viewer, otherAgent]) {
      const page = await signedInPage(who.email);
      await open(page, edited.id);
      await page.getByText('The retry job did not check for a payment').waitFor();
      const controls = await page.locator('main input, main select, main textarea, main button').allTextContents();
      check(controls.length === 0, `${who.role} is offered ${controls.length} control(s): ${controls}`);
      if (who === viewer) await page.screenshot({ path: join(artifacts, 'escalation-viewer.png'), fullPage: true });
      await page.context().close();
    }
  });

  await test('a narrow screen reads the escalation page in one column', async () => {
    const page = await signedInPage(adminEmail, { width: 390, height: 844 });
    await open(page, edited.id);
    await page.getByRole('button', { name: 'Edit plan' }).click();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    check(width <= 400, `the page scrolls sideways (${width}px)`);
    await page.screenshot({ path: join(artifacts, 'escalation-narrow.png'), fullPage: true });
    await page.context().close();
    await admin.context().close();
  });
}
