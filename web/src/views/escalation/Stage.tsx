// The stage and its moves: only those the stage machine allows are offered; what blocks
// the next one (GET …/overview) is said before anyone tries, and a refused move shows each
// reason the API names.
import { ApiError } from '../../api';
import { duration, label, when } from '../../format';
import { useForm } from './editing';
import type { Page } from './page';

// Moves a PATCH of `stage` may make (domain::IsLegalStageMove, docs/advocacy.md "Stages"):
// closed → verifying comes only from classifying a related contact, reviewed is final.
const moves: Record<string, { to: string; back: boolean }[]> = {
  engaged: [{ to: 'planning', back: false }],
  planning: [{ to: 'executing', back: false }],
  executing: [{ to: 'verifying', back: false }, { to: 'planning', back: true }],
  verifying: [{ to: 'closed', back: false }, { to: 'executing', back: true }],
  closed: [{ to: 'reviewed', back: false }],
  reviewed: [],
};

function moveText(to: string, back: boolean): string {
  if (to === 'closed') return 'Close out';
  return back ? `Back to ${label(to)}` : `Move to ${label(to)}`;
}

export function Stage({ page }: { page: Page }) {
  const e = page.escalation;
  const form = useForm();
  const next = page.overview.next_stage;
  const entered = e.stage_history.length > 0 ? e.stage_history[e.stage_history.length - 1].at : null;
  const refusal = form.errors.error;
  const spent = page.overview.time_in_stage.filter((s) => s.seconds > 0);
  return (
    <section aria-labelledby="move-title" class="panel">
      <h2 id="move-title">Stage: {label(e.stage)}</h2>
      {entered ? <p class="muted">Since {when(entered)}.</p> : null}
      {next.stage && next.blocked_by.length > 0 ? (
        <div class="blocked" role="status">
          <strong>{label(next.stage)} is not possible yet:</strong>
          <ul>{next.blocked_by.map((b) => <li key={b.field}>{b.message}</li>)}</ul>
        </div>
      ) : null}
      {refusal ? (
        <div class="error" role="alert">
          <strong>Refused: {refusal instanceof Error ? refusal.message : String(refusal)}</strong>
          {refusal instanceof ApiError ? (
            <ul>{(refusal.problem.errors ?? []).map((f) => <li key={f.field}>{f.message}</li>)}</ul>
          ) : null}
        </div>
      ) : null}
      {page.writable && (moves[e.stage] ?? []).length > 0 ? (
        <div class="moves">
          {(moves[e.stage] ?? []).map(({ to, back }) => (
            <button key={to} type="button" class={back ? 'secondary' : undefined} disabled={form.busy}
              onClick={() => form.submit(() => page.patch({ stage: to }))}>
              {moveText(to, back)}
            </button>
          ))}
        </div>
      ) : null}
      {e.stage === 'closed' ? (
        <p class="hint">A closed escalation reopens when a new contact is classified as related.</p>
      ) : null}
      {spent.length > 0 ? (
        <p class="muted">
          Time in stages: {spent.map((s) => `${label(s.stage)} ${duration(s.seconds * 1000)}`).join(' · ')}
        </p>
      ) : null}
    </section>
  );
}
