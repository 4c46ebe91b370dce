// The advocacy board: every escalation in a column of its stage, most severe first and,
// among equals, the longest without a progress update first; each card names the account,
// the owner and the age of the last update. Filters by owner and severity are the list's
// own (`owner_id`, `severity`) and are kept in the address, so a reload or a shared link
// shows the same board.
import { useEffect, useState } from 'preact/hooks';
import { get, getAll } from '../api';
import { ErrorNote } from '../components';
import { duration, label, when } from '../format';
import { onLinkClick } from '../router';
import type { Escalation, UserRecord } from '../types';
import './escalation/escalation.css';

const stages = ['engaged', 'planning', 'executing', 'verifying', 'closed', 'reviewed'];
const severities = ['critical', 'high', 'medium', 'low'];
const severityRank: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

// When the last progress update was sent (the log is kept in time order), or null.
function lastUpdate(e: Escalation): number | null {
  const last = e.progress_updates[e.progress_updates.length - 1];
  return last ? Date.parse(last.at) : null;
}

export function Board() {
  const query = new URLSearchParams(location.search);
  const [owner, setOwner] = useState(query.get('owner') ?? '');
  const [severity, setSeverity] = useState(query.get('severity') ?? '');
  const [items, setItems] = useState<Escalation[] | null>(null);
  const [users, setUsers] = useState<UserRecord[]>([]);
  const [accounts, setAccounts] = useState<Map<number, string>>(new Map());
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    getAll<UserRecord>('/api/v1/users').then(setUsers, setError);
  }, []);

  useEffect(() => {
    const shown = new URLSearchParams();
    const filters = new URLSearchParams();
    if (owner) {
      shown.set('owner', owner);
      filters.set('owner_id', owner);
    }
    if (severity) {
      shown.set('severity', severity);
      filters.set('severity', severity);
    }
    history.replaceState(null, '', shown.size ? `/escalations?${shown}` : '/escalations');
    let current = true;  // a later choice of filters wins over an earlier answer
    setItems(null);
    setError(null);
    getAll<Escalation>(`/api/v1/escalations${filters.size ? `?${filters}` : ''}`)
      .then(async (list) => {
        if (!current) return;
        setItems(list);
        const missing = [...new Set(list.map((e) => e.account_id))].filter((id) => !accounts.has(id));
        const named = await Promise.all(missing.map((id) =>
          get<{ name: string }>(`/api/v1/accounts/${id}`).then((a) => [id, a.name] as const, () => null)));
        if (!current) return;
        setAccounts((known) => {
          const next = new Map(known);
          for (const entry of named) if (entry) next.set(entry[0], entry[1]);
          return next;
        });
      })
      .catch((e) => current && setError(e));
    return () => {
      current = false;
    };
  }, [owner, severity]);

  const now = Date.now();
  const userName = (id: number | null) =>
    id === null ? 'nobody' : users.find((u) => u.id === id)?.name ?? `user #${id}`;
  const owners = users.filter((u) => u.role !== 'vendor_agent' && (u.active || String(u.id) === owner));
  return (
    <main class="wide">
      <h1>Advocacy</h1>
      <form class="board-filters" aria-label="Filter the board" onSubmit={(ev) => ev.preventDefault()}>
        <div class="field">
          <label for="board-owner">Owner</label>
          <select id="board-owner" value={owner} onChange={(ev) => setOwner((ev.target as HTMLSelectElement).value)}>
            <option value="">anyone</option>
            {owners.map((u) => <option key={u.id} value={String(u.id)}>{u.name}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="board-severity">Severity</label>
          <select id="board-severity" value={severity}
            onChange={(ev) => setSeverity((ev.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            {severities.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
      </form>
      <ErrorNote error={error} />
      {items === null && !error ? <p aria-busy="true">Loading…</p> : null}
      {items ? (
        <div class="board">
          {stages.map((stage) => {
            const here = items
              .filter((e) => e.stage === stage)
              .sort((a, b) => (severityRank[a.severity] ?? 9) - (severityRank[b.severity] ?? 9) ||
                (lastUpdate(a) ?? 0) - (lastUpdate(b) ?? 0));
            return (
              <section key={stage} class="column" aria-labelledby={`stage-${stage}`}>
                <h2 id={`stage-${stage}`}>
                  {label(stage)} <span class="muted">({here.length})</span>
                </h2>
                <ul>
                  {here.map((e) => {
                    const updated = lastUpdate(e);
                    return (
                      <li key={e.id} class={`card severity-${e.severity}`}>
                        <a href={`/escalations/${e.id}`} onClick={onLinkClick}>{e.title}</a>
                        <span class="card-line muted">
                          #{e.id} · <span class={`severity-${e.severity}`}>{e.severity}</span> ·{' '}
                          {accounts.get(e.account_id) ?? `account #${e.account_id}`}
                        </span>
                        <span class="card-line">owner {userName(e.owner_id)}</span>
                        <span class="card-line muted">
                          {updated === null ? 'no progress update yet'
                            : `last update ${duration(now - updated)} ago`}
                          {e.closed_at ? ` · closed ${when(e.closed_at)}` : ''}
                        </span>
                      </li>
                    );
                  })}
                </ul>
              </section>
            );
          })}
        </div>
      ) : null}
    </main>
  );
}
