// Live updates: one server-sent event stream (GET /api/v1/stream) per page, shared by the
// views that subscribe. The server sends each committed change the caller may know of (a
// notice: entity, id, action, account); views re-read what they show through the API,
// which applies the caller's visibility. After an error the stream is opened again with
// backoff (1 s doubling to 30 s, jittered), resuming after the last change received, which
// the server replays; a stream ended by the end of the sign-in leads to the sign-in form. A stream that starts afresh (no change received yet, or the server
// says `reset`) may have missed changes: subscribers are then told to re-read everything.
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

// A change, or null when changes may have been missed.
type Listener = (change: Change | null) => void;
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

function emit(change: Change | null) {
  listeners.forEach((l) => l(change));
}

function open() {
  const resuming = lastId !== null;
  const es = new EventSource(resuming ? `${streamPath}?after=${encodeURIComponent(lastId!)}` : streamPath);
  source = es;
  setState(failures ? 'retrying' : 'connecting');
  es.onopen = () => {
    failures = 0;
    setState('live');
    if (!resuming) emit(null);
  };
  es.onmessage = (e: MessageEvent<string>) => {
    lastId = e.lastEventId || lastId;
    emit(JSON.parse(e.data) as Change);
  };
  es.addEventListener('reset', (e) => {
    lastId = (e as MessageEvent<string>).lastEventId || lastId;
    emit(null);
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
// after it). `refresh` shows its own errors.
export function useLiveRefresh(matters: (change: Change) => boolean,
  refresh: () => Promise<unknown>, delayMs = 300) {
  const latest = useRef({ matters, refresh });
  latest.current = { matters, refresh };
  useEffect(() => {
    let timer: number | undefined;
    let running = false;
    let again = false;
    const schedule = () => {
      if (timer === undefined) timer = window.setTimeout(run, delayMs);
    };
    const run = async () => {
      timer = undefined;
      if (running) {
        again = true;
        return;
      }
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
      if (change === null || latest.current.matters(change)) schedule();
    });
    return () => {
      unsubscribe();
      window.clearTimeout(timer);
    };
  }, []);
}
