// Live updates: one server-sent event stream (GET /api/v1/stream) per page, shared by the
// views that subscribe. The server sends each committed change the caller may know of (a
// notice: entity, id, action, account); views re-read what they show through the API,
// which applies the caller's visibility. After an error the stream is opened again with
// backoff (1 s doubling to 30 s, jittered), resuming after the last change received, which
// the server replays; a stream ended by the end of the sign-in leads to the sign-in form.
// A stream that starts afresh (no change received yet, or too far behind) begins with the
// server's `reset`, naming the sequence it starts after: changes up to it may have been
// missed, so subscribers re-read, unless what they show already reflects that sequence.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from './api';

export interface Change {
  sequence: number;
  at: string;
  entity: string;
  entity_id: number;
  action: string;
  account_id: number | null;
}

// Changes up to `upTo` (a sequence of the event log) may have been missed.
export interface Missed {
  missed: true;
  upTo: number;
}
type Listener = (change: Change | Missed) => void;
export type LiveState = 'connecting' | 'live' | 'retrying';

const streamPath = '/api/v1/stream';
const idleCloseMs = 30000;  // bridges navigation between views that subscribe

const listeners = new Set<Listener>();
const stateListeners = new Set<(state: LiveState) => void>();
let source: EventSource | null = null;
let state: LiveState = 'connecting';
let lastId: string | null = null;  // of the last change received: where a new stream resumes
let failures = 0;
let retryTimer: number | undefined;
let closeTimer: number | undefined;

function setState(next: LiveState) {
  state = next;
  stateListeners.forEach((l) => l(next));
}

function emit(change: Change | Missed) {
  listeners.forEach((l) => l(change));
}

function open() {
  const es = new EventSource(lastId !== null ? `${streamPath}?after=${encodeURIComponent(lastId)}` : streamPath);
  source = es;
  setState(failures ? 'retrying' : 'connecting');
  es.onopen = () => {
    failures = 0;
    setState('live');
  };
  es.onmessage = (e: MessageEvent<string>) => {
    lastId = e.lastEventId || lastId;
    emit(JSON.parse(e.data) as Change);
  };
  es.addEventListener('reset', (e) => {
    const { sequence } = JSON.parse((e as MessageEvent<string>).data) as { sequence: number };
    lastId = String(sequence);
    emit({ missed: true, upTo: sequence });
  });
  es.onerror = () => {
    // Whatever failed (the server stopped, a proxy cut the connection, 503 over the cap,
    // the sign-in ended), try again later, each time a little later. EventSource does not
    // say why: asking who we are turns an ended sign-in into the sign-in form (api.ts).
    es.close();
    source = null;
    failures += 1;
    setState('retrying');
    get('/api/v1/me').catch(() => {});
    const delay = Math.min(30000, 1000 * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
    retryTimer = window.setTimeout(() => {
      retryTimer = undefined;
      if (listeners.size > 0) open();
    }, delay);
  };
}

function close() {
  source?.close();
  source = null;
  window.clearTimeout(retryTimer);
  retryTimer = undefined;
  lastId = null;  // views mounted later read afresh
  failures = 0;
}

// Calls `listener` with each change until the returned function is called.
function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  window.clearTimeout(closeTimer);
  if (!source && retryTimer === undefined) open();
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) closeTimer = window.setTimeout(close, idleCloseMs);
  };
}

export function useLiveState(): LiveState {
  const [current, setCurrent] = useState(state);
  useEffect(() => {
    stateListeners.add(setCurrent);
    setCurrent(state);
    return () => {
      stateListeners.delete(setCurrent);
    };
  }, []);
  return current;
}

// Runs `refresh` when a change `matters` to the view, and when changes may have been
// missed: `delayMs` after the first such change (later ones join it, so a busy feed costs
// at most one read per delay), one run at a time (a change during a run makes another run
// after it). `shown`: the event log's sequence that what the view shows reflects, when its
// API names one (null until loaded): missed changes up to it need no re-read. `refresh`
// shows its own errors.
export function useLiveRefresh(matters: (change: Change) => boolean,
  refresh: () => Promise<unknown>, delayMs = 300, shown: number | null = null) {
  const latest = useRef({ matters, refresh, shown });
  latest.current = { matters, refresh, shown };
  useEffect(() => {
    let timer: number | undefined;
    let running = false;
    let again = false;
    let changed = false;                    // a change that matters came
    let missedUpTo: number | null = null;  // changes up to this may have been missed
    const schedule = () => {
      if (timer === undefined) timer = window.setTimeout(run, delayMs);
    };
    const run = async () => {
      timer = undefined;
      if (running) {
        again = true;
        return;
      }
      // Judged when the timer fires: the view's first read may have landed meanwhile.
      const { shown } = latest.current;
      const needed = changed || (missedUpTo !== null && (shown === null || shown < missedUpTo));
      changed = false;
      missedUpTo = null;
      if (!needed) return;
      running = true;
      try {
        await latest.current.refresh();
      } finally {
        running = false;
      }
      if (again) {
        again = false;
        schedule();
      }
    };
    const unsubscribe = subscribe((change) => {
      if ('missed' in change) {
        missedUpTo = Math.max(missedUpTo ?? 0, change.upTo);
      } else if (latest.current.matters(change)) {
        changed = true;
      } else {
        return;
      }
      schedule();
    });
    return () => {
      unsubscribe();
      window.clearTimeout(timer);
    };
  }, []);
}
