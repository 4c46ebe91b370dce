// Contacts after the close-out (closed and reviewed stages): each new inbound contact on the
// account awaits the owner's classification, with Rapport's suggestion and its reason.
// Related reopens the escalation to verifying; separate opens a new escalation that
// references this one. A reviewed escalation is final: only separate is offered.
import { useEffect, useState } from 'preact/hooks';
import { call, get } from '../../api';
import { ErrorNote } from '../../components';
import { label, when } from '../../format';
import { onLinkClick } from '../../router';
import type { Classification, PendingContact } from '../../types';
import { Problems, useForm } from './editing';
import { personName, userName, type Page } from './page';

interface Answer {
  awaiting_classification: PendingContact[];
  classified: Classification[];
}

const pageSize = 10;

export function Contacts({ page }: { page: Page }) {
  const e = page.escalation;
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [shown, setShown] = useState(pageSize);
  const form = useForm();

  useEffect(() => {
    get<Answer>(`/api/v1/escalations/${e.id}/contacts`).then(setAnswer, setError);
  }, [e.id, e.version]);

  function classify(c: PendingContact, choice: 'related' | 'separate') {
    form.submit(() => page.write(() => call('POST', `/api/v1/escalations/${e.id}/classifications`,
      { interaction_id: c.interaction_id, choice })));
  }

  const reviewed = e.stage === 'reviewed';
  const awaiting = answer?.awaiting_classification ?? [];
  return (
    <section aria-labelledby="contacts-title" class="panel panel-wide">
      <h2 id="contacts-title">Contacts since the close-out</h2>
      <ErrorNote error={error} />
      <Problems errors={form.errors} />
      {answer === null && !error ? <p aria-busy="true">Loading…</p> : null}
      {answer && awaiting.length === 0 ? <p class="muted">None awaits classification.</p> : null}
      {awaiting.length > 0 ? (
        <>
          <p>{awaiting.length} contact(s) await classification.</p>
          <ul class="contacts">
            {awaiting.slice(0, shown).map((c) => (
              <li key={c.interaction_id} class="contact">
                <div>
                  <strong>Contact #{c.interaction_id}</strong> ·{' '}
                  <time dateTime={c.arrived_at}>{when(c.arrived_at)}</time> · {c.channel}
                  {c.person_id ? ` · ${personName(page, c.person_id)}` : ''}
                  {c.category ? ` · ${label(c.category)}` : ''}
                  {c.case_id ? <> · <a href={`/cases/${c.case_id}`} onClick={onLinkClick}>case #{c.case_id}</a></> : null}
                </div>
                {c.subject ? <div class="item-subject">{c.subject}</div> : null}
                <div class="suggestion">
                  Rapport suggests <strong>{c.suggestion}</strong>: {c.reason}
                </div>
                {page.writable ? (
                  <div class="moves" role="group" aria-label={`Classify contact #${c.interaction_id}`}>
                    {(reviewed ? ['separate'] as const : ['related', 'separate'] as const).map((choice) => (
                      <button key={choice} type="button" disabled={form.busy}
                        class={choice === c.suggestion ? undefined : 'secondary'}
                        onClick={() => classify(c, choice)}>
                        {choice === 'related' ? 'Related (reopen)' : 'Separate (new escalation)'}
                      </button>
                    ))}
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
          {awaiting.length > shown ? (
            <button type="button" class="link" onClick={() => setShown(shown + pageSize)}>
              {Math.min(pageSize, awaiting.length - shown)} more
            </button>
          ) : null}
        </>
      ) : null}
      {answer && answer.classified.length > 0 ? (
        <>
          <h3>Classified</h3>
          <ul class="classified">
            {answer.classified.map((c) => (
              <li key={c.interaction_id}>
                Contact #{c.interaction_id}: <strong>{c.chosen}</strong>
                {c.chosen !== c.suggested ? ` (Rapport suggested ${c.suggested})` : ''}
                {' '}by {userName(page, c.by)}, {when(c.at)}
                {c.new_escalation_id ? (
                  <> → <a href={`/escalations/${c.new_escalation_id}`} onClick={onLinkClick}>
                    escalation #{c.new_escalation_id}</a></>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}
