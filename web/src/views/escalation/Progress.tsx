// Progress updates sent to the customer: a log (POST …/progress-updates), newest first,
// under the age of the last one as the overview counts it. A reviewed escalation is final
// and takes no more.
import { useState } from 'preact/hooks';
import { call } from '../../api';
import { label, when } from '../../format';
import { Field, Panel, Problems, fromLocalInput, inputValue, useForm } from './editing';
import { userName, type Page } from './page';

// The Channel enum of the API (GET /api/v1/openapi.json).
const channels = ['email', 'phone', 'chat', 'web', 'social', 'sms'];
const shownAtFirst = 5;

export function Progress({ page }: { page: Page }) {
  const e = page.escalation;
  const last = page.overview.progress.last;
  const form = useForm();
  const [channel, setChannel] = useState('email');
  const [summary, setSummary] = useState('');
  const [at, setAt] = useState('');
  const [all, setAll] = useState(false);

  async function log() {
    const body: Record<string, unknown> = { channel, summary };
    if (at) body.at = fromLocalInput(at) ?? at;  // the server names a bad instant
    const saved = await form.submit(() =>
      page.write(() => call('POST', `/api/v1/escalations/${e.id}/progress-updates`, body)));
    if (saved) {
      setSummary('');
      setAt('');
    }
  }

  const newestFirst = [...e.progress_updates].reverse();
  const listed = all ? newestFirst : newestFirst.slice(0, shownAtFirst);
  const errors = form.errors;
  return (
    <Panel id="progress-title" title="Progress updates">
      <p class="last-update">
        {last ? <>Last update sent <strong>{last.age} ago</strong> ({when(last.at)}, {last.channel}).</>
          : <strong>No update sent to the customer yet.</strong>}
      </p>
      {page.writable && e.stage !== 'reviewed' ? (
        <form onSubmit={(ev) => { ev.preventDefault(); log(); }}>
          <fieldset>
            <legend>Log an update sent to the customer</legend>
            <Problems errors={errors} shown={['channel', 'summary', 'at']} />
            <div class="row-fields">
              <Field field="channel" label="Channel" errors={errors}>
                {(attrs) => (
                  <select {...attrs} value={channel} onChange={(ev) => setChannel(inputValue(ev))}>
                    {channels.map((c) => <option key={c} value={c}>{label(c)}</option>)}
                  </select>
                )}
              </Field>
              <Field field="at" label="Sent at" errors={errors} hint="blank: now">
                {(attrs) => <input {...attrs} type="datetime-local" value={at}
                  onInput={(ev) => setAt(inputValue(ev))} />}
              </Field>
            </div>
            <Field field="summary" label="What the customer was told" errors={errors}>
              {(attrs) => <textarea {...attrs} rows={2} required value={summary}
                onInput={(ev) => setSummary(inputValue(ev))} />}
            </Field>
            <button type="submit" disabled={form.busy || !summary.trim()}>Log update</button>
          </fieldset>
        </form>
      ) : null}
      {newestFirst.length === 0 ? null : (
        <ul class="updates">{listed.map((u, i) => (
          <li key={i}>
            <time dateTime={u.at}>{when(u.at)}</time> <span class="muted">({u.channel}, {userName(page, u.by)})</span>
            {' '}{u.summary}
          </li>
        ))}</ul>
      )}
      {newestFirst.length > listed.length ? (
        <button type="button" class="link" onClick={() => setAll(true)}>
          All {newestFirst.length} updates
        </button>
      ) : null}
    </Panel>
  );
}
