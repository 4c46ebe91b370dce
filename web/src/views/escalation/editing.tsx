// How the escalation page's sections edit: each opens a form from the record shown, writes
// through the page's one `write` (which reloads the page after it), and shows the API's
// field errors next to the fields they name, the rest above the form.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../../api';
import { label } from '../../format';

// What a write came to. `stale`: the record changed since the page read it (412); the page
// has said so and reloaded, and the form is closed so that nothing is written over the
// other change unseen.
export type Outcome = { kind: 'saved' } | { kind: 'stale' } | { kind: 'failed'; error: unknown };

// The API's refusal of one write, by the field each message names (`plan[2].owner_id`).
export class FieldErrors {
  private readonly byField = new Map<string, string>();

  constructor(readonly error: unknown) {
    if (error instanceof ApiError) {
      for (const e of error.problem.errors ?? []) {
        const before = this.byField.get(e.field);
        this.byField.set(e.field, before ? `${before}; ${e.message}` : e.message);
      }
    }
  }

  of(field: string): string | undefined {
    return this.byField.get(field);
  }

  // The errors that name none of the fields a form shows (they are listed above it).
  others(shown: Iterable<string>): { field: string; message: string }[] {
    const placed = new Set(shown);
    return [...this.byField].filter(([field]) => !placed.has(field))
      .map(([field, message]) => ({ field, message }));
  }

  // The attributes that tie a control to its error note. `scope` tells apart the ids of
  // forms that write the same field of different records (a trial's outcome).
  control(field: string, scope = ''): ControlAttributes {
    const id = `field-${scope}${slug(field)}`;
    return this.byField.has(field)
      ? { id, 'aria-invalid': 'true', 'aria-describedby': noteId(field, scope) }
      : { id };
  }
}

type ControlAttributes = { id: string; 'aria-invalid'?: 'true'; 'aria-describedby'?: string };
const slug = (field: string) => field.replace(/[^A-Za-z0-9_-]/g, '-');
const noteId = (field: string, scope: string) => `error-${scope}${slug(field)}`;

function FieldNote({ errors, field, scope }: { errors: FieldErrors; field: string; scope: string }) {
  const message = errors.of(field);
  return message ? <span class="field-error" id={noteId(field, scope)}>{message}</span> : null;
}

// A labelled control with its error note; `children` renders the control with the id and
// ARIA attributes it is given.
export function Field({ field, label: text, errors, children, hint, scope = '' }: {
  field: string;
  label: string;
  errors: FieldErrors;
  hint?: string;
  scope?: string;
  children: (attrs: ControlAttributes) => JSX.Element;
}) {
  const attrs = errors.control(field, scope);
  return (
    <div class="field">
      <label for={attrs.id}>{text}</label>
      {children(attrs)}
      {hint ? <span class="hint">{hint}</span> : null}
      <FieldNote errors={errors} field={field} scope={scope} />
    </div>
  );
}

// Why a write failed, above its form: the problem's detail and each error that names no
// field the form shows (`shown`).
export function Problems({ errors, shown = [] }: { errors: FieldErrors; shown?: Iterable<string> }) {
  if (!errors.error) return null;
  const rest = errors.others(shown);
  const text = errors.error instanceof Error ? errors.error.message : String(errors.error);
  const placed = errors.error instanceof ApiError &&
    (errors.error.problem.errors ?? []).length > rest.length;
  return (
    <div class="error problems" role="alert">
      <strong>Not saved: {text}{placed ? ' (see the marked fields)' : ''}</strong>
      {rest.length > 0 ? (
        <ul>{rest.map((e) => <li key={e.field}>{label(e.field)}: {e.message}</li>)}</ul>
      ) : null}
    </div>
  );
}

// A form: open or not (forms that are always shown never open), the record it was opened
// on, and the errors of its last write.
export interface Form<T> {
  open: boolean;
  opened: T | null;
  busy: boolean;
  errors: FieldErrors;
  start(record: T): void;
  cancel(): void;
  // Runs one write; true when it was saved (the form then closes).
  submit(write: () => Promise<Outcome>): Promise<boolean>;
}

export function useForm<T = never>(): Form<T> {
  const [open, setOpen] = useState(false);
  const [opened, setOpened] = useState<T | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return {
    open,
    opened,
    busy,
    errors: new FieldErrors(error),
    start: (record) => {
      setError(null);
      setOpened(record);
      setOpen(true);
    },
    cancel: () => {
      setError(null);
      setOpen(false);
    },
    async submit(write) {
      setBusy(true);
      setError(null);
      const outcome = await write();
      setBusy(false);
      if (outcome.kind === 'failed') {
        setError(outcome.error);
        return false;
      }
      setOpen(false);
      return outcome.kind === 'saved';
    },
  };
}

// A list edited in a form: rows changed, removed and added in place.
export function useRows<T>(initial: T[]) {
  const [rows, setRows] = useState(initial);
  return {
    rows,
    set: setRows,
    update: (i: number, change: Partial<T>) =>
      setRows(rows.map((row, j) => (j === i ? { ...row, ...change } : row))),
    remove: (i: number) => setRows(rows.filter((_, j) => j !== i)),
    add: (row: T) => setRows([...rows, row]),
  };
}

// A section of the page: its title and, for those who may change it, the button that
// opens its form (`edit.open`: the form is open). Opening moves the keyboard focus to the
// form's first control and closing it back to the button, which the form replaced.
export function Panel({ id, title, edit, children }: {
  id: string;
  title: string;
  edit?: { text: string; open: boolean; onClick: () => void } | null;
  children: ComponentChildren;
}) {
  const section = useRef<HTMLElement>(null);
  const open = edit?.open ?? false;
  const wasOpen = useRef(open);
  useEffect(() => {
    if (open === wasOpen.current) return;
    wasOpen.current = open;
    const target = open
      ? section.current?.querySelector<HTMLElement>('form input, form select, form textarea, form button')
      : section.current?.querySelector<HTMLElement>('.panel-head button');
    target?.focus();
  }, [open]);
  return (
    <section aria-labelledby={id} class="panel" ref={section}>
      <div class="panel-head">
        <h2 id={id}>{title}</h2>
        {edit && !edit.open ? (
          <button type="button" class="secondary" onClick={edit.onClick}>{edit.text}</button>
        ) : null}
      </div>
      {children}
    </section>
  );
}

// Save and Cancel at the foot of a form.
export function FormButtons<T>({ form, save }: { form: Form<T>; save: string }) {
  return (
    <div class="form-buttons">
      <button type="submit" disabled={form.busy}>{save}</button>
      <button type="button" class="secondary" onClick={form.cancel} disabled={form.busy}>Cancel</button>
    </div>
  );
}

export const inputValue = (event: Event) =>
  (event.target as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement).value;

// <input type="datetime-local"> speaks the browser's local time without a zone.
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(text: string): string | null {
  const d = new Date(text);  // a date-time without a zone is local time
  return text && !Number.isNaN(d.getTime()) ? d.toISOString() : null;
}

// Text as the API stores it: blank is no text (null).
export const textOrNull = (text: string) => (text.trim() ? text : null);

// A done (or met) state for those who only read it.
export function Mark({ done, text, yes = 'done', no = 'not done' }: {
  done: boolean;
  text: string;
  yes?: string;
  no?: string;
}) {
  return (
    <span class={done ? 'mark mark-done' : 'mark'}>
      <span aria-hidden="true">{done ? '✓' : '○'}</span>
      <span class="visually-hidden">{done ? yes : no}:</span> {text}
    </span>
  );
}
