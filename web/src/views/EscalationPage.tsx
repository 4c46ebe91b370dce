// An escalation (GET …/overview) and, for those who may change it, its editing: situation,
// sequence of events, contributing factors, dry-run checklist, get-well plan, progress
// updates, success criteria and the customer's agreement, business impact and trials,
// stage moves, and the classification of contacts after the close-out. Every change of the
// record is a PATCH with If-Match of the version shown: when someone else changed it in
// between (412) the page says so and reloads instead of writing over their change.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, etagOf, get, getAll, type User } from '../api';
import { ErrorNote } from '../components';
import { label } from '../format';
import { onLinkClick } from '../router';
import type {
  Escalation, MitigatingService, Overview, Person, RootCauseCategory, UserRecord,
} from '../types';
import { Contacts } from './escalation/Contacts';
import { Criteria } from './escalation/Criteria';
import type { Outcome } from './escalation/editing';
import { Factors } from './escalation/Factors';
import { Impact } from './escalation/Impact';
import { personName, userName, type Page } from './escalation/page';
import { Checklist, Plan } from './escalation/Plan';
import { Progress } from './escalation/Progress';
import { SequenceOfEvents, Situation } from './escalation/Situation';
import { Stage } from './escalation/Stage';
import './escalation/escalation.css';

// What the page chooses from; read once per escalation.
interface Lists {
  account: string;
  people: Person[];
  users: UserRecord[];
  categories: RootCauseCategory[];
  services: MitigatingService[];
}

async function readLists(accountId: number): Promise<Lists> {
  const [account, people, users, categories, services] = await Promise.all([
    get<{ name: string }>(`/api/v1/accounts/${accountId}`),
    getAll<Person>(`/api/v1/people?account_id=${accountId}`),
    getAll<UserRecord>('/api/v1/users'),
    getAll<RootCauseCategory>('/api/v1/root_cause_categories'),
    getAll<MitigatingService>('/api/v1/mitigating_services'),
  ]);
  return { account: account.name, people, users, categories, services };
}

const staleNotice =
  'Changed by someone else — reloaded. Your change was not saved: check the page and make it again.';

export function EscalationPage({ id, me }: { id: number; me: User }) {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [lists, setLists] = useState<Lists | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);

  async function load() {
    try {
      const o = await get<Overview>(`/api/v1/escalations/${id}/overview`);
      setOverview(o);
      setError(null);
      return o;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(true);
      else setError(e);
      return null;
    }
  }
  useEffect(() => {
    setOverview(null);
    setLists(null);
    setMissing(false);
    setNotice(null);
    load().then((o) => o && readLists(o.escalation.account_id).then(setLists, setError));
  }, [id]);

  if (missing) return <main><h1>Escalation #{id}</h1><p role="alert">No such escalation.</p></main>;
  if (!overview || !lists) {
    return <main><ErrorNote error={error} />{!error ? <p aria-busy="true">Loading…</p> : null}</main>;
  }
  const e = overview.escalation;

  async function stale(): Promise<Outcome> {
    setNotice(staleNotice);
    await load();
    return { kind: 'stale' };
  }
  async function write(request: () => Promise<unknown>): Promise<Outcome> {
    try {
      await request();
      setNotice(null);
      await load();
      return { kind: 'saved' };
    } catch (err) {
      if (err instanceof ApiError && err.status === 412) return stale();
      return { kind: 'failed', error: err };
    }
  }
  function patch(body: Record<string, unknown>, from?: Escalation | null): Promise<Outcome> {
    const record = e as unknown as Record<string, unknown>;
    const changed = from && Object.keys(body).some((key) =>
      JSON.stringify((from as unknown as Record<string, unknown>)[key]) !== JSON.stringify(record[key]));
    if (changed) return stale();
    return write(() => call('PATCH', `/api/v1/escalations/${e.id}`, body, { 'If-Match': etagOf(e.version) }));
  }
  const page: Page = {
    escalation: e,
    overview,
    // Agents change only the escalations they own; viewers none (the API's rule).
    writable: me.role === 'admin' || me.role === 'manager' || (me.role === 'agent' && e.owner_id === me.id),
    patch,
    write,
    ...lists,
  };
  const last = overview.progress.last;
  return (
    <main class="escalation">
      <h1>Escalation #{e.id}: {e.title}</h1>
      <p class="facts">
        <span class="status">{label(e.stage)}</span>
        <span class={`severity-${e.severity}`}>{e.severity}</span>
        <span>{lists.account}</span>
        <span>owner {userName(page, e.owner_id)}</span>
        {e.executive_sponsor_id ? <span>sponsor {userName(page, e.executive_sponsor_id)}</span> : null}
        {e.contact_ids.length > 0 ? (
          <span>customer contacts {e.contact_ids.map((p) => personName(page, p)).join(', ')}</span>
        ) : null}
        <span>{last ? `last update ${last.age} ago` : 'no update sent yet'}</span>
        {e.previous_escalation_id ? (
          <span>follows <a href={`/escalations/${e.previous_escalation_id}`} onClick={onLinkClick}>
            #{e.previous_escalation_id}</a></span>
        ) : null}
      </p>
      {notice ? <p class="notice" role="alert">{notice}</p> : null}
      <ErrorNote error={error} />
      <Stage page={page} />
      <Criteria page={page} />
      <Situation page={page} />
      <Factors page={page} />
      <Plan page={page} />
      <Checklist page={page} />
      <Progress page={page} />
      <Impact page={page} />
      <SequenceOfEvents page={page} />
      {e.stage === 'closed' || e.stage === 'reviewed' ? <Contacts page={page} /> : null}
    </main>
  );
}
