import { useState } from 'preact/hooks';
import { ApiError, signIn } from '../api';

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
      onSignedIn();
    } catch (e) {
      if (e instanceof ApiError && e.status === 429) setError(e.message);
      else if (e instanceof ApiError && e.status === 401) setError('Wrong email or password.');
      else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <h1>Rapport</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <label for="email">Email</label>
        <input id="email" type="email" autocomplete="username" required value={email}
          onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        <label for="password">Password</label>
        <input id="password" type="password" autocomplete="current-password" required
          value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={busy}>{busy ? 'Signing in…' : 'Sign in'}</button>
        {error ? <p class="error" role="alert">{error}</p> : null}
      </form>
    </main>
  );
}
