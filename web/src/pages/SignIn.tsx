// First-user setup while no user exists, sign-in afterwards. From anywhere but
// the api host itself, setup also needs the one-time setup token that
// `spanline up` prints (and the api logs): whoever reaches the port first must
// not own the deployment.
import { useState, type FormEvent } from 'react';
import { ApiError, apiSend } from '../api/client';
import type { Answer, User } from '../api/types';
import { usePageTitle } from '../lib/usePageTitle';

export function SignIn({
  setup,
  setupTokenRequired = false,
  onSignedIn,
}: {
  setup: boolean;
  setupTokenRequired?: boolean;
  onSignedIn: (user: User) => void;
}) {
  usePageTitle(setup ? 'Create the first user' : 'Sign in');
  const [email, setEmail] = useState('');
  const [setupToken, setSetupToken] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body = setup && setupTokenRequired ? { email, password, setup_token: setupToken.trim() } : { email, password };
      const answer = await apiSend<Answer<'signIn'> | Answer<'createFirstUser'>>('POST', setup ? '/api/v1/users/first' : '/api/v1/auth/sign-in', body);
      onSignedIn(answer.user);
    } catch (e) {
      setError(e instanceof ApiError && e.status === 429 ? 'Too many attempts; wait a few minutes and try again.' : (e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="sign-in">
      <form onSubmit={submit} aria-label={setup ? 'Create the first user' : 'Sign in'}>
        <h1>Spanline</h1>
        <p className="muted">{setup ? 'No user exists yet: create the first one.' : 'Sign in to see your traces.'}</p>
        <label>
          Email
          <input type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete={setup ? 'new-password' : 'current-password'}
            required
            minLength={setup ? 8 : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {setup && setupTokenRequired && (
          <label>
            Setup token
            <input
              autoComplete="one-time-code"
              required
              value={setupToken}
              onChange={(e) => setSetupToken(e.target.value)}
              aria-describedby="setup-token-help"
            />
            <span id="setup-token-help" className="muted">
              Printed by <code>spanline up</code> (also in the api&apos;s log, and anew by <code>spanline setup-token</code>).
            </span>
          </label>
        )}
        {error && <div className="error-box" role="alert">{error}</div>}
        <button type="submit" disabled={busy}>
          {setup ? 'Create user and sign in' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
