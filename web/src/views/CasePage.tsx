// A case with its customer 360: the case and its clocks, the account's header block and
// live signals with what to do, the timeline (bodies sanitised), and the agent's actions:
// reply (an outbound email), add a note, change status (PATCH with If-Match). All of it is
// read again when the case or anything of its account changes (live.ts), keeping the older
// timeline items already loaded.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, call, can, get, type Role, type User } from '../api';
import { ClockBadge, ErrorNote, LiveBadge, SafeBody, SignalBanner } from '../components';
import { label, when } from '../format';
import { useLiveRefresh } from '../live';
import { onLinkClick } from '../router';
import type { Case, Timeline, TimelineItem } from '../types';

const itemKey = (item: TimelineItem) => `${item.kind}-${item.entity_id}-${item.sequence ?? ''}`;

// The newest page read again, followed by the older items loaded before that it no longer
// reaches (new items push them down; their cursor still names the next older page).
function mergeNewest(page: Timeline, loaded: Timeline | null): Timeline {
  if (!loaded || loaded.items.length <= page.items.length) return page;
  const fresh = new Set(page.items.map(itemKey));
  const older = loaded.items.filter((i) => !fresh.has(itemKey(i)));
  return { ...page, items: [...page.items, ...older], next_cursor: loaded.next_cursor };
}

// The case status machine (domain/entities.cpp IsLegalTransition): only legal moves are
// offered.
const nextStatuses: Record<string, string[]> = {
  new: ['open'],
  open: ['pending_customer', 'pending_internal', 'resolved'],
  pending_customer: ['open', 'pending_internal', 'resolved'],
  pending_internal: ['open', 'pending_customer', 'resolved'],
  resolved: ['closed', 'open'],
  closed: [],
};

export function CasePage({ id, me }: { id: number; me: User }) {
  const [kase, setCase] = useState<Case | null>(null);
  const [etag, setEtag] = useState<string | null>(null);
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [missing, setMissing] = useState(false);
  const [queueChannel, setQueueChannel] = useState<string | null>(null);

  async function load() {
    try {
      const answer = await call<Case>('GET', `/api/v1/cases/${id}`);
      setCase(answer.body);
      setEtag(answer.etag);
      if (answer.body.queue_id) {
        get<{ channel: string }>(`/api/v1/queues/${answer.body.queue_id}`)
          .then((q) => setQueueChannel(q.channel))
          .catch(() => setQueueChannel(null));
      }
      const page = await get<Timeline>(`/api/v1/accounts/${answer.body.account_id}/timeline?limit=50`);
      setTimeline((loaded) =>
        mergeNewest(page, loaded?.header.account_id === page.header.account_id ? loaded : null));
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(true);
      else setError(e);
    }
  }
  useEffect(() => {
    setCase(null);
    setTimeline(null);
    setMissing(false);
    load();
  }, [id]);
  useLiveRefresh(
    (change) => (change.entity === 'case' && change.entity_id === id) ||
      (kase !== null && change.account_id === kase.account_id),
    load,
  );

  async function more() {
    if (!timeline?.next_cursor || !kase) return;
    const page = await get<Timeline>(
      `/api/v1/accounts/${kase.account_id}/timeline?limit=50&cursor=${encodeURIComponent(timeline.next_cursor)}`,
    );
    setTimeline({ ...page, items: [...timeline.items, ...page.items] });
  }

  if (missing) {
    return (
      <main>
        <h1>Case #{id}</h1>
        <p role="alert">No such case.</p>
      </main>
    );
  }
  if (!kase) {
    return (
      <main>
        <ErrorNote error={error} />
        {!error ? <p aria-busy="true">Loading…</p> : null}
      </main>
    );
  }
  const header = timeline?.header;
  const writable = can.write(me.role);
  return (
    <main class="case-page">
      <section class="case-head" aria-labelledby="case-title">
        <div class="view-head">
          <h1 id="case-title">
            Case #{kase.id}: {kase.subject}
          </h1>
          <LiveBadge />
        </div>
        <p class="facts">
          <span class={`status status-${kase.status}`}>{label(kase.status)}</span>
          <span class={`priority-${kase.priority}`}>{kase.priority} priority</span>
          {kase.category ? <span>{label(kase.category)}</span> : null}
          <span>opened {when(kase.created_at)}</span>
        </p>
        <div class="clocks" aria-label="Service clocks">
          {kase.clocks.map((clock) => (
            <ClockBadge key={clock.metric} clock={clock} />
          ))}
        </div>
        <ErrorNote error={error} />
      </section>

      <aside class="side">
        {header ? (
          <section class="account" aria-labelledby="account-title">
            <h2 id="account-title">{header.name}</h2>
            <dl>
              <dt>Segment</dt>
              <dd>{label(header.segment)}</dd>
              <dt>Priority</dt>
              <dd>{label(header.priority)}</dd>
              <dt>Owner</dt>
              <dd>{header.owner?.name ?? '—'}</dd>
              <dt>Open cases</dt>
              <dd>{header.open_cases}</dd>
              <dt>Last contact</dt>
              <dd>{when(header.last_contact_at)}</dd>
              {header.active_escalation ? (
                <>
                  <dt>Escalation</dt>
                  <dd>
                    {can.seeAdvocacy(me.role) ? (
                      <a href={`/escalations/${header.active_escalation.id}`} onClick={onLinkClick}>
                        #{header.active_escalation.id}
                      </a>
                    ) : `#${header.active_escalation.id}`}, {label(header.active_escalation.stage)}
                  </dd>
                </>
              ) : null}
            </dl>
            {!header.signals_loaded ? (
              <p class="muted" role="status">Signals are still being read after the server started.</p>
            ) : null}
            {header.signals.length > 0 ? (
              <div class="signals" aria-label="Signals">
                {header.signals.map((s) => (
                  <SignalBanner key={`${s.rule}-${s.case_id}`} signal={s} />
                ))}
              </div>
            ) : null}
          </section>
        ) : null}

        {writable ? (
          <Actions kase={kase} etag={etag} role={me.role} queueChannel={queueChannel} onChanged={load} />
        ) : null}
      </aside>

      <section class="timeline" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <ol>
          {timeline?.items.map((item) => (
            <Item key={itemKey(item)} item={item}
              current={item.case_id === kase.id || (item.entity === 'case' && item.entity_id === kase.id)} />
          ))}
        </ol>
        {timeline?.next_cursor ? (
          <button type="button" onClick={more}>Older items</button>
        ) : null}
      </section>
    </main>
  );
}

function Item({ item, current }: { item: TimelineItem; current: boolean }) {
  const note = item.interaction_kind === 'note';
  return (
    <li class={`item item-${item.kind}${note ? ' item-note' : ''}${current ? ' item-current' : ''}`}
      data-entity={item.entity} data-id={item.entity_id}>
      <div class="item-line">
        <time dateTime={item.at}>{when(item.at)}</time> <span>{item.summary}</span>
        {item.visibility === 'summary' ? <span class="muted"> (summary only)</span> : null}
      </div>
      {item.subject && item.kind === 'interaction' ? <div class="item-subject">{item.subject}</div> : null}
      {item.body ? <SafeBody body={item.body} /> : null}
    </li>
  );
}

interface ActionsProps {
  kase: Case;
  etag: string | null;
  role: Role;
  queueChannel: string | null;
  onChanged: () => void;
}

function Actions({ kase, etag, role, queueChannel, onChanged }: ActionsProps) {
  const [reply, setReply] = useState('');
  const [note, setNote] = useState('');
  const [status, setStatus] = useState('');
  const [callSummary, setCallSummary] = useState('');
  const [callDirection, setCallDirection] = useState('outbound');
  const [callMinutes, setCallMinutes] = useState('5');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function run(action: () => Promise<unknown>, reset: () => void) {
    setBusy(true);
    setError(null);
    try {
      await action();
      reset();
      onChanged();
    } catch (e) {
      if (e instanceof ApiError && e.status === 412) {
        setError(new Error('Someone else changed this case; it has been reloaded. Try again.'));
        onChanged();
      } else setError(e);
    } finally {
      setBusy(false);
    }
  }

  // Where a reply or note goes. The API wants an interaction on a queue to be of the queue's
  // channel, and a vendor agent's to be on its vendor's queue: a reply is an email (on the
  // case's queue when that is an email queue), except that a vendor agent answers on its
  // case's queue, whatever its channel; a note stays on the case's queue.
  function route(kind: 'contact' | 'note'): { channel: string; queue_id: number | null } {
    if (kase.queue_id && queueChannel &&
      (kind === 'note' || queueChannel === 'email' || role === 'vendor_agent')) {
      return { channel: queueChannel, queue_id: kase.queue_id };
    }
    return { channel: 'email', queue_id: null };
  }

  // A call logged by hand: on the case's queue when it is a phone queue, else in-house
  // without a queue (which a vendor agent may not do: it is not offered to one).
  const callQueue = kase.queue_id && queueChannel === 'phone' ? kase.queue_id : null;
  const canLogCall = role !== 'vendor_agent' || callQueue !== null;

  function logCall() {
    const ended = new Date();
    const started = new Date(ended.getTime() - Math.max(1, Number(callMinutes) || 1) * 60000);
    const record: Record<string, unknown> = {
      channel: 'phone', direction: callDirection, kind: 'contact', account_id: kase.account_id,
      case_id: kase.id, arrived_at: started.toISOString(), answered_at: started.toISOString(),
      ended_at: ended.toISOString(), outcome: 'answered', body: callSummary,
    };
    if (kase.requester_id) record.person_id = kase.requester_id;
    if (callQueue) record.queue_id = callQueue;
    return call('POST', '/api/v1/interactions', record);
  }

  function interaction(kind: 'contact' | 'note', body: string) {
    const { channel, queue_id } = route(kind);
    const record: Record<string, unknown> = {
      channel,
      direction: 'outbound',
      kind,
      account_id: kase.account_id,
      case_id: kase.id,
      arrived_at: new Date().toISOString(),
      body,
    };
    if (kind === 'contact') {
      record.subject = `Re: ${kase.subject}`;
      record.outcome = channel === 'phone' || channel === 'chat' ? 'answered' : 'sent';
    }
    if (kase.requester_id) record.person_id = kase.requester_id;
    if (queue_id) record.queue_id = queue_id;
    return call('POST', '/api/v1/interactions', record);
  }

  const moves = nextStatuses[kase.status] ?? [];
  return (
    <section class="actions" aria-label="Actions">
      <ErrorNote error={error} />
      <form onSubmit={(e) => { e.preventDefault(); run(() => interaction('contact', reply), () => setReply('')); }}>
        <label for="reply">Reply to the customer ({route('contact').channel})</label>
        <textarea id="reply" rows={4} required value={reply}
          onInput={(e) => setReply((e.target as HTMLTextAreaElement).value)} />
        <button type="submit" disabled={busy || !reply.trim()}>Send reply</button>
      </form>
      <form onSubmit={(e) => { e.preventDefault(); run(() => interaction('note', note), () => setNote('')); }}>
        <label for="note">Internal note</label>
        <textarea id="note" rows={2} required value={note}
          onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
        <button type="submit" disabled={busy || !note.trim()}>Add note</button>
      </form>
      {canLogCall ? (
        <form onSubmit={(e) => { e.preventDefault(); run(logCall, () => setCallSummary('')); }}>
          <fieldset>
            <legend>Log a call</legend>
            <label for="call-direction">Direction</label>
            <select id="call-direction" value={callDirection}
              onChange={(e) => setCallDirection((e.target as HTMLSelectElement).value)}>
              <option value="outbound">we called the customer</option>
              <option value="inbound">the customer called</option>
            </select>
            <label for="call-minutes">Minutes</label>
            <input id="call-minutes" type="number" min={1} max={600} value={callMinutes}
              onInput={(e) => setCallMinutes((e.target as HTMLInputElement).value)} />
            <label for="call-summary">What was said</label>
            <textarea id="call-summary" rows={2} required value={callSummary}
              onInput={(e) => setCallSummary((e.target as HTMLTextAreaElement).value)} />
            <button type="submit" disabled={busy || !callSummary.trim()}>Log call</button>
          </fieldset>
        </form>
      ) : null}
      {moves.length > 0 ? (
        <form class="inline" onSubmit={(e) => {
          e.preventDefault();
          run(() => call('PATCH', `/api/v1/cases/${kase.id}`, { status },
            etag ? { 'If-Match': etag } : {}), () => setStatus(''));
        }}>
          <label for="status">Change status</label>
          <select id="status" value={status} required
            onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            <option value="">choose…</option>
            {moves.map((m) => <option key={m} value={m}>{label(m)}</option>)}
          </select>
          <button type="submit" disabled={busy || !status}>Change</button>
        </form>
      ) : null}
    </section>
  );
}
