import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { can, currentSession, signOut, whenSignedOut, type User } from './api';
import { label } from './format';
import { lazyView } from './lazy';
import { onLinkClick, usePath } from './router';
import './style.css';
import { CasePage } from './views/CasePage';
import { Desk, prefetchDesk } from './views/Desk';
import { SignIn } from './views/SignIn';

// The desk and the case page are in the main bundle; every other view is fetched the first
// time it is shown, so that an agent's first load carries only what the desk needs.
const Board = lazyView(() => import('./views/Board').then((m) => m.Board));
const EscalationPage = lazyView(() => import('./views/EscalationPage').then((m) => m.EscalationPage));
const Dashboard = lazyView(() => import('./views/Dashboard').then((m) => m.Dashboard));
const Review = lazyView(() => import('./views/Review').then((m) => m.Review));
const Vendors = lazyView(() => import('./views/Vendors').then((m) => m.Vendors));
const VendorScorecard = lazyView(() => import('./views/VendorScorecard').then((m) => m.VendorScorecard));
const VendorCoverage = lazyView(() => import('./views/VendorCoverage').then((m) => m.VendorCoverage));
const VendorDeadlines = lazyView(() => import('./views/VendorDeadlines').then((m) => m.VendorDeadlines));
const Staffing = lazyView(() => import('./views/Staffing').then((m) => m.Staffing));

function App() {
  const [me, setMe] = useState<User | null | undefined>(undefined);
  const path = usePath();

  async function refresh() {
    const session = await currentSession().catch(() => null);
    setMe(session ? session.user : null);
  }
  useEffect(() => {
    whenSignedOut(() => setMe(null));
    refresh();
  }, []);

  if (me === undefined) return <p aria-busy="true">Loading…</p>;
  if (me === null) return <SignIn onSignedIn={refresh} />;

  const caseMatch = /^\/cases\/(\d+)$/.exec(path);
  const escalationMatch = /^\/escalations\/(\d+)$/.exec(path);
  const advocacy = can.seeAdvocacy(me.role);
  const review = can.seeReview(me.role);
  const vendorMatch = /^\/vendors\/(\d+)(\/coverage)?$/.exec(path);
  const vendorReports = can.seeVendorReports(me.role);
  let view;
  if (caseMatch) view = <CasePage id={Number(caseMatch[1])} me={me} />;
  else if (path === '/') view = <Desk />;
  else if (advocacy && path === '/escalations') view = <Board />;
  else if (advocacy && escalationMatch) view = <EscalationPage id={Number(escalationMatch[1])} me={me} />;
  else if (path === '/dashboard') view = <Dashboard me={me} />;
  else if (review && path === '/review') view = <Review />;
  else if (vendorReports && path === '/vendors') view = <Vendors />;
  else if (vendorReports && vendorMatch && vendorMatch[2]) view = <VendorCoverage id={Number(vendorMatch[1])} />;
  else if (vendorReports && vendorMatch) view = <VendorScorecard id={Number(vendorMatch[1])} />;
  else if (vendorReports && path === '/deadlines') view = <VendorDeadlines me={me} />;
  else if (path === '/staffing') view = <Staffing me={me} />;
  else {
    view = (
      <main><h1>Not found</h1><p><a href="/" onClick={onLinkClick}>Back to the desk</a></p></main>
    );
  }
  return (
    <>
      <header class="top">
        <nav aria-label="Main">
          <a href="/" onClick={onLinkClick} aria-current={path === '/' ? 'page' : undefined}>Desk</a>
          {advocacy ? (
            <a href="/escalations" onClick={onLinkClick}
              aria-current={path.startsWith('/escalations') ? 'page' : undefined}>Advocacy</a>
          ) : null}
          <a href="/dashboard" onClick={onLinkClick}
            aria-current={path === '/dashboard' ? 'page' : undefined}>Dashboard</a>
          {review ? (
            <a href="/review" onClick={onLinkClick} aria-current={path === '/review' ? 'page' : undefined}>Review</a>
          ) : null}
          {vendorReports ? (
            <>
              <a href="/vendors" onClick={onLinkClick}
                aria-current={path.startsWith('/vendors') ? 'page' : undefined}>Vendors</a>
              <a href="/deadlines" onClick={onLinkClick}
                aria-current={path === '/deadlines' ? 'page' : undefined}>Deadlines</a>
            </>
          ) : null}
          <a href="/staffing" onClick={onLinkClick}
            aria-current={path === '/staffing' ? 'page' : undefined}>Staffing</a>
        </nav>
        <span class="who">
          {me.name} · {label(me.role)}
          <button type="button" class="link" onClick={async () => { await signOut(); setMe(null); }}>
            Sign out
          </button>
        </span>
      </header>
      {view}
    </>
  );
}

if (location.pathname === '/') prefetchDesk();
render(<App />, document.getElementById('app')!);
