// An escalation: situation summary, contributing factors, get-well plan, progress updates,
// success criteria and the close-out, which names why it is refused until every criterion
// is met and the customer's agreement is recorded (GET …/overview; PATCH with If-Match).
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, get, type User } from '../api';
import { ErrorNote } from '../components';
import { label, when } from '../format';
import type { Criterion, Escalation, Overview } from '../types';

// Moves a PATCH of `stage` may make (docs/advocacy.md, "Stages"): closed → verifying comes
// only from classifying a related contact.
const nextStages: Record<string, string[]> = {
  engaged: ['planning'],
  planning: ['executing'],
  executing: ['verifying', 'planning'],
  verifying: ['closed', 'executing'],
  closed: ['reviewed'],
  reviewed: [],
};

interface Person {
  id: number;
  name: string;
}

export function EscalationPage({ id, me }: { id: number; me: User }) {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [people, setPeople] = useState<Person[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const [missing, setMissing] = useState(false);

  async function load() {
    try {
      const record = await call<Escalation>('GET', `/api/v1/escalations/${id}`);
      setEtag(record.etag);
      const o = await get<Overview>(`/api/v1/escalations/${id}/overview`);
      setOverview(o);
      const found = await get<{ items: Person[] }>(
        `/api/v1/people?account_id=${o.escalation.account_id}&limit=500`);
      setPeople(found.items);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(true);
      else setError(e);
    }
  }
  useEffect(() => {
    load();
  }, [id]);

  if (missing) return <main><h1>Escalation #{id}</h1><p role="alert">No such escalation.</p></main>;
  if (!overview) return <main><ErrorNote error={error} />{!error ? <p aria-busy="true">Loading…</p> : null}</main>;
  const e = overview.escalation;
  // Agents write only the escalations they own; viewers none (the API's rule).
  const writable = me.role === 'admin' || me.role === 'manager' ||
    (me.role === 'agent' && e.owner_id === me.id);

  async function patch(body: Record<string, unknown>) {
    setError(null);
    setRefusal(null);
    try {
      await call('PATCH', `/api/v1/escalations/${id}`, body, etag ? { 'If-Match': etag } : {});
      await load();
    } catch (err) {
      if (err instanceof ApiError && (err.status === 409 || err.status === 422)) setRefusal(err);
      else setError(err);
      if (err instanceof ApiError && err.status === 412) await load();
    }
  }

  const blocked = overview.next_stage.blocked_by;
  return (
    <main class="escalation">
      <h1>Escalation #{e.id}: {e.title}</h1>
      <p class="facts">
        <span class="status">{label(e.stage)}</span>
        <span class={`severity-${e.severity}`}>{e.severity}</span>
        <span>account #{e.account_id}</span>
        {e.closed_at ? <span>closed {when(e.closed_at)}</span> : null}
      </p>

      <section aria-labelledby="move-title" class="panel">
        <h2 id="move-title">Stage</h2>
        {overview.next_stage.stage && blocked.length > 0 ? (
          <div class="blocked" role="status">
            <strong>{label(overview.next_stage.stage)} is not possible yet:</strong>
            <ul>{blocked.map((b) => <li key={b.field}>{b.message}</li>)}</ul>
          </div>
        ) : null}
        {refusal ? (
          <div class="error" role="alert">
            <strong>Refused: {refusal.message}</strong>
            <ul>{(refusal.problem.errors ?? []).map((f) => <li key={f.field}>{f.message}</li>)}</ul>
          </div>
        ) : null}
        <ErrorNote error={error} />
        {writable ? (
          <div class="moves">
            {(nextStages[e.stage] ?? []).map((stage) => (
              <button key={stage} type="button" onClick={() => patch({ stage })}>
                {stage === 'closed' ? 'Close out' : `Move to ${label(stage)}`}
              </button>
            ))}
          </div>
        ) : null}
      </section>

      <section aria-labelledby="criteria-title" class="panel">
        <h2 id="criteria-title">Success criteria</h2>
        <Criteria criteria={e.success_criteria} writable={writable}
          onSave={(success_criteria) => patch({ success_criteria })} />
        <h3>Customer agreement</h3>
        {e.customer_agreement ? (
          <p>
            Agreed by {people.find((p) => p.id === e.customer_agreement!.person_id)?.name ??
              `person #${e.customer_agreement.person_id}`} on {when(e.customer_agreement.at)}
          </p>
        ) : writable ? (
          <Agreement people={people} contactIds={e.contact_ids}
            onRecord={(person_id) => patch({ customer_agreement: { person_id, at: new Date().toISOString() } })} />
        ) : <p>Not recorded.</p>}
      </section>

      <section aria-labelledby="situation-title" class="panel">
        <h2 id="situation-title">Situation</h2>
        {e.customer_impact ? <p><strong>Impact:</strong> {e.customer_impact}</p> : null}
        {e.root_cause ? <p><strong>Root cause:</strong> {e.root_cause}
          {e.root_cause_category ? ` (${e.root_cause_category})` : ''}</p> : null}
        <h3>Contributing factors</h3>
        {e.contributing_factors.length === 0 ? <p class="muted">None recorded.</p> : (
          <ul>{e.contributing_factors.map((f, i) => (
            <li key={i}>{f.description} <span class="muted">({label(f.party)}{f.function ? `, ${label(f.function)}` : ''})</span></li>
          ))}</ul>
        )}
        <h3>Sequence of events</h3>
        <ol class="events">{e.sequence_of_events.map((s, i) => (
          <li key={i}><time dateTime={s.at}>{when(s.at)}</time> {s.description}</li>
        ))}</ol>
      </section>

      <section aria-labelledby="plan-title" class="panel">
        <h2 id="plan-title">Get-well plan</h2>
        {e.plan.length === 0 ? <p class="muted">No action yet.</p> : (
          <ul>{e.plan.map((a, i) => (
            <li key={i}>{a.description} <span class="muted">— {label(a.status)}{a.due_on ? `, due ${a.due_on}` : ''}</span></li>
          ))}</ul>
        )}
        <h3>Progress updates</h3>
        {e.progress_updates.length === 0 ? <p class="muted">None sent.</p> : (
          <ul>{e.progress_updates.map((u, i) => (
            <li key={i}><time dateTime={u.at}>{when(u.at)}</time> ({u.channel}) {u.summary}</li>
          ))}</ul>
        )}
      </section>
    </main>
  );
}

function Criteria({ criteria, writable, onSave }: {
  criteria: Criterion[];
  writable: boolean;
  onSave: (c: Criterion[]) => void;
}) {
  const [draft, setDraft] = useState(criteria);
  useEffect(() => setDraft(criteria), [criteria]);
  const changed = JSON.stringify(draft) !== JSON.stringify(criteria);
  const update = (i: number, change: Partial<Criterion>) =>
    setDraft(draft.map((c, j) => (j === i ? { ...c, ...change } : c)));
  if (criteria.length === 0) return <p class="muted">None agreed yet.</p>;
  return (
    <form onSubmit={(ev) => { ev.preventDefault(); onSave(draft); }}>
      <ul class="criteria">
        {draft.map((c, i) => (
          <li key={i}>
            <label class="check">
              <input type="checkbox" checked={c.met} disabled={!writable}
                onChange={(ev) => update(i, { met: (ev.target as HTMLInputElement).checked })} />
              {c.description}
            </label>
            {writable ? (
              <input type="text" aria-label={`Evidence: ${c.description}`} placeholder="evidence"
                value={c.evidence ?? ''}
                onInput={(ev) => update(i, { evidence: (ev.target as HTMLInputElement).value || null })} />
            ) : c.evidence ? <span class="muted"> — {c.evidence}</span> : null}
          </li>
        ))}
      </ul>
      {writable ? <button type="submit" disabled={!changed}>Save criteria</button> : null}
    </form>
  );
}

function Agreement({ people, contactIds, onRecord }: {
  people: Person[];
  contactIds: number[];
  onRecord: (personId: number) => void;
}) {
  const [person, setPerson] = useState('');
  const listed = [...people].sort((a, b) =>
    Number(contactIds.includes(b.id)) - Number(contactIds.includes(a.id)));
  return (
    <form class="inline" onSubmit={(ev) => { ev.preventDefault(); if (person) onRecord(Number(person)); }}>
      <label for="agreed-by">Agreed by</label>
      <select id="agreed-by" value={person} required
        onChange={(ev) => setPerson((ev.target as HTMLSelectElement).value)}>
        <option value="">choose…</option>
        {listed.map((p) => <option key={p.id} value={String(p.id)}>{p.name}</option>)}
      </select>
      <button type="submit" disabled={!person}>Record agreement</button>
    </form>
  );
}
