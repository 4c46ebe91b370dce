// The workspace's one door to the server: same-origin fetches that carry the session cookie
// (HttpOnly: script never sees it) and, on writes, the session's CSRF token.

export type Role = 'admin' | 'manager' | 'agent' | 'vendor_agent' | 'viewer';

export interface User {
  id: number;
  name: string;
  email: string;
  role: Role;
  vendor_id: number | null;
}

export interface SessionInfo {
  user: User;
  csrf_token: string | null;
}

export interface Problem {
  status: number;
  title?: string;
  detail?: string;
  errors?: { field: string; message: string }[];
}

export class ApiError extends Error {
  constructor(public problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
  }
  get status() {
    return this.problem.status;
  }
}

let csrfToken: string | null = null;
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string | null) {
  csrfToken = token;
}
export function whenSignedOut(callback: () => void) {
  onSignedOut = callback;
}

export interface Answer<T> {
  body: T;
  etag: string | null;
}

export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const h: Record<string, string> = { Accept: 'application/json', ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) h['X-CSRF-Token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers: h,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok) {
    if (response.status === 401 && path !== '/api/v1/session') onSignedOut();
    throw new ApiError({ status: response.status, ...(parsed || {}) });
  }
  return { body: parsed as T, etag: response.headers.get('ETag') };
}

export async function get<T>(path: string): Promise<T> {
  return (await call<T>('GET', path)).body;
}

// Every page of a list (`items`, `next_cursor`), for the short lists a form chooses from.
export async function getAll<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  const join = path.includes('?') ? '&' : '?';
  let cursor: string | null = null;
  do {
    const page: { items: T[]; next_cursor: string | null } = await get(
      `${path}${join}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

// The ETag the API gives a record is its version in quotes (GET …/{id}), so a record read
// in a list or an overview can be changed with If-Match without being read again.
export const etagOf = (version: number) => `"${version}"`;

export async function signIn(email: string, password: string): Promise<void> {
  const answer = await call<{ csrf_token: string }>('POST', '/api/v1/session', { email, password });
  setCsrfToken(answer.body.csrf_token);
}

export async function currentSession(): Promise<SessionInfo | null> {
  try {
    const session = await get<SessionInfo>('/api/v1/session');
    setCsrfToken(session.csrf_token);
    return session;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export async function signOut(): Promise<void> {
  await call('DELETE', '/api/v1/session');
  setCsrfToken(null);
}

// What the API lets a role do: the workspace offers nothing the server would refuse.
export const can = {
  write: (role: Role) => role !== 'viewer',
  seeAdvocacy: (role: Role) => role !== 'vendor_agent',
  seeReview: (role: Role) => role === 'admin' || role === 'manager' || role === 'viewer',
  // Scorecards, coverage hours and deadlines: not for agents (router.cpp AddReports).
  seeVendorReports: (role: Role) => role !== 'agent',
};
