import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, signOut, whenSignedOut, type User } from './api';
import { label } from './format';
import { onLinkClick, usePath } from './router';
import './style.css';
import { CasePage } from './views/CasePage';
import { Desk, prefetchDesk } from './views/Desk';
import { SignIn } from './views/SignIn';

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
  return (
    <>
      <header class="top">
        <nav aria-label="Main">
          <a href="/" onClick={onLinkClick} aria-current={path === '/' ? 'page' : undefined}>Desk</a>
        </nav>
        <span class="who">
          {me.name} · {label(me.role)}
          <button type="button" class="link" onClick={async () => { await signOut(); setMe(null); }}>
            Sign out
          </button>
        </span>
      </header>
      {caseMatch ? <CasePage id={Number(caseMatch[1])} me={me} /> : path === '/' ? <Desk /> : (
        <main><h1>Not found</h1><p><a href="/" onClick={onLinkClick}>Back to the desk</a></p></main>
      )}
    </>
  );
}

if (location.pathname === '/') prefetchDesk();
render(<App />, document.getElementById('app')!);
