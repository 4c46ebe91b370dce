// The vendors the caller may see (a vendor agent: its own), each with its scorecard and
// coverage hours.
import { useEffect, useState } from 'preact/hooks';
import { ErrorNote } from '../components';
import { onLinkClick } from '../router';
import { getAll, type Vendor } from './VendorCommon';

export function Vendors() {
  const [vendors, setVendors] = useState<Vendor[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    getAll<Vendor>('/api/v1/vendors').then(setVendors).catch(setError);
  }, []);
  return (
    <main>
      <h1>Vendors</h1>
      <ErrorNote error={error} />
      {vendors === null && !error ? <p aria-busy="true">Loading…</p> : null}
      {vendors && vendors.length === 0 ? <p>No vendor.</p> : null}
      {vendors && vendors.length > 0 ? (
        <table class="report stack">
          <caption class="visually-hidden">Vendors</caption>
          <thead>
            <tr><th scope="col">Vendor</th><th scope="col">Executive sponsor</th>
              <th scope="col">Point of contact</th><th scope="col">Reports</th></tr>
          </thead>
          <tbody>
            {vendors.map((v) => (
              <tr key={v.id}>
                <th scope="row">
                  <a href={`/vendors/${v.id}`} onClick={onLinkClick}>{v.name}</a>
                </th>
                <td data-label="Executive sponsor">{v.executive_sponsor ?? '—'}</td>
                <td data-label="Point of contact">{v.point_of_contact ?? '—'}</td>
                <td data-label="Reports">
                  <a href={`/vendors/${v.id}`} onClick={onLinkClick}
                    aria-label={`Scorecard of ${v.name}`}>Scorecard</a>
                  {' · '}
                  <a href={`/vendors/${v.id}/coverage`} onClick={onLinkClick}
                    aria-label={`Coverage hours of ${v.name}`}>Coverage hours</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </main>
  );
}
