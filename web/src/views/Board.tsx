// The advocacy board: every escalation in a column of its stage, most severe first.
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api';
import { ErrorNote } from '../components';
import { label, when } from '../format';
import { onLinkClick } from '../router';
import type { Escalation } from '../types';

export const stages = ['engaged', 'planning', 'executing', 'verifying', 'closed', 'reviewed'];
const severityRank: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };

export function Board() {
  const [items, setItems] = useState<Escalation[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    get<{ items: Escalation[] }>('/api/v1/escalations?limit=500')
      .then((page) => setItems(page.items))
      .catch(setError);
  }, []);
  return (
    <main class="wide">
      <h1>Advocacy</h1>
      <ErrorNote error={error} />
      {items === null && !error ? <p aria-busy="true">Loading…</p> : null}
      {items ? (
        <div class="board">
          {stages.map((stage) => {
            const here = items
              .filter((e) => e.stage === stage)
              .sort((a, b) => (severityRank[a.severity] ?? 9) - (severityRank[b.severity] ?? 9));
            return (
              <section key={stage} class="column" aria-labelledby={`stage-${stage}`}>
                <h2 id={`stage-${stage}`}>
                  {label(stage)} <span class="muted">({here.length})</span>
                </h2>
                <ul>
                  {here.map((e) => (
                    <li key={e.id} class={`card severity-${e.severity}`}>
                      <a href={`/escalations/${e.id}`} onClick={onLinkClick}>{e.title}</a>
                      <div class="muted">
                        #{e.id} · {e.severity} · account #{e.account_id}
                        {e.closed_at ? ` · closed ${when(e.closed_at)}` : ''}
                      </div>
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      ) : null}
    </main>
  );
}
