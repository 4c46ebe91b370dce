// What every section of the escalation page is given.
import type {
  Escalation, MitigatingService, Overview, Person, RootCauseCategory, UserRecord,
} from '../../types';
import type { Outcome } from './editing';

export interface Page {
  escalation: Escalation;
  overview: Overview;
  // The caller may change this escalation: admins and managers any, agents the ones they
  // own, viewers none (docs/advocacy.md, "Who sees what").
  writable: boolean;
  // A merge patch of the escalation with If-Match of the version shown. `from`: the record
  // a form was opened on; when a field written has changed since (another reload came
  // between), the write is refused as stale, as the server would have refused it then.
  patch(body: Record<string, unknown>, from?: Escalation | null): Promise<Outcome>;
  // Any other write; the page is reloaded after it.
  write(request: () => Promise<unknown>): Promise<Outcome>;
  people: Person[];  // the account's
  users: UserRecord[];
  categories: RootCauseCategory[];
  services: MitigatingService[];
}

export function userName(page: Page, id: number | null): string {
  if (id === null) return '—';
  return page.users.find((u) => u.id === id)?.name ?? `user #${id}`;
}

export function personName(page: Page, id: number | null): string {
  if (id === null) return '—';
  return page.people.find((p) => p.id === id)?.name ?? `person #${id}`;
}

// Who may own a plan action: in-house users (the API refuses vendor agents), the active
// ones plus any in `keep` (the owners already chosen).
export function inHouse(page: Page, keep: (number | null)[] = []): UserRecord[] {
  return page.users.filter((u) => u.role !== 'vendor_agent' && (u.active || keep.includes(u.id)));
}
