// The shell: who is signed in decides between setup, sign-in and the app; a 401
// from any request (an expired session) sends the user back to sign-in.
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { NavLink, Navigate, Route, Routes, useLocation, useNavigate } from 'react-router-dom';
import { apiGet, apiSend, UNAUTHENTICATED_EVENT } from './api/client';
import type { Answer, User } from './api/types';
import { HealthBanner } from './components/pipeline/HealthBanner';
import { Loading } from './components/Status';
import { SignIn } from './pages/SignIn';
import { useTimeZone } from './lib/timeZone';
// The trace pages are what people open from links: kept in the first bundle so a
// direct load does not wait for a chunk (React holds a lazy page's reveal ~300 ms).
import Trace from './pages/Trace';
import Traces from './pages/Traces';

const Services = lazy(() => import('./pages/Services'));
const Workflows = lazy(() => import('./pages/Workflows'));
const WorkflowRun = lazy(() => import('./pages/WorkflowRun'));
const AgentRun = lazy(() => import('./pages/AgentRun'));
const Pipeline = lazy(() => import('./pages/Pipeline'));
const LlmUsage = lazy(() => import('./pages/LlmUsage'));
const CompareRuns = lazy(() => import('./pages/CompareRuns'));
const Settings = lazy(() => import('./pages/Settings'));
const Resolve = lazy(() => import('./pages/Resolve'));
const Logs = lazy(() => import('./pages/Logs'));
const Sessions = lazy(() => import('./pages/Sessions'));
const SessionPage = lazy(() => import('./pages/Session'));
const Playground = lazy(() => import('./pages/Playground'));

type Session = { state: 'checking' } | { state: 'signed-out'; setupOpen: boolean; setupTokenRequired?: boolean } | { state: 'signed-in'; user: User };

export function App() {
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const [menuOpen, setMenuOpen] = useState(false);
  const zone = useTimeZone(); // a new zone re-mounts the page, so every time on it is read again
  const navigate = useNavigate();
  const location = useLocation();

  const check = useCallback(async () => {
    try {
      const me = await apiGet<Answer<'getMe'>>('/api/v1/auth/me');
      setSession({ state: 'signed-in', user: me.user });
    } catch {
      const setup = await apiGet<Answer<'getSetupStatus'>>('/api/v1/users/first').catch(() => ({
        open: false,
        token_required: false,
      }));
      setSession({ state: 'signed-out', setupOpen: setup.open, setupTokenRequired: setup.token_required ?? false });
    }
  }, []);

  useEffect(() => {
    void check();
    const expired = () => setSession((s) => (s.state === 'signed-in' ? { state: 'signed-out', setupOpen: false } : s));
    window.addEventListener(UNAUTHENTICATED_EVENT, expired);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, expired);
  }, [check]);

  if (session.state === 'checking') return <Loading what="Starting" />;
  if (session.state === 'signed-out') {
    return (
      <SignIn
        setup={session.setupOpen}
        setupTokenRequired={session.setupTokenRequired ?? false}
        onSignedIn={(user) => {
          setSession({ state: 'signed-in', user });
          if (location.pathname === '/sign-in') navigate('/');
        }}
      />
    );
  }

  const signOut = async () => {
    await apiSend('POST', '/api/v1/auth/sign-out').catch(() => undefined);
    setSession({ state: 'signed-out', setupOpen: false });
  };

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Spanline</span>
        {/* Below 1000 px the entries fold behind this button (styles.css), so none is pushed off a phone's screen. */}
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="topbar-menu"
          onClick={() => setMenuOpen((open) => !open)}
        >
          <span aria-hidden="true">{menuOpen ? '✕' : '☰'}</span> Menu
        </button>
        <div id="topbar-menu" className={`topbar-menu${menuOpen ? ' open' : ''}`}>
          <nav aria-label="Main" onClick={() => setMenuOpen(false)}>
            <NavLink to="/" end>Services</NavLink>
            <NavLink to="/traces">Traces</NavLink>
            <NavLink to="/workflows">Workflows</NavLink>
            <NavLink to="/llm">LLM usage</NavLink>
            <NavLink to="/sessions">Sessions</NavLink>
            <NavLink to="/playground">Playground</NavLink>
            <NavLink to="/logs">Logs</NavLink>
            <NavLink to="/pipeline">Pipeline</NavLink>
            <NavLink to="/settings">Settings</NavLink>
          </nav>
          <span className="user">
            {session.user.email} <span className="badge">{session.user.role}</span>{' '}
            <button type="button" onClick={signOut}>
              Sign out
            </button>
          </span>
        </div>
      </header>
      <main>
        <HealthBanner />
        <Suspense key={zone} fallback={<Loading />}>
          <Routes>
            <Route path="/" element={<Services />} />
            <Route path="/traces" element={<Traces />} />
            <Route path="/traces/:traceId" element={<Trace />} />
            <Route path="/workflows" element={<Workflows />} />
            <Route path="/workflows/compare" element={<CompareRuns />} />
            <Route path="/workflows/:traceId/:spanId" element={<WorkflowRun />} />
            <Route path="/agents/:traceId/:spanId" element={<AgentRun />} />
            <Route path="/llm" element={<LlmUsage />} />
            <Route path="/logs" element={<Logs />} />
            <Route path="/sessions" element={<Sessions />} />
            <Route path="/sessions/:sessionId" element={<SessionPage />} />
            <Route path="/pipeline" element={<Pipeline />} />
            <Route path="/playground" element={<Playground />} />
            <Route path="/settings" element={<Settings currentUser={session.user} />} />
            <Route path="/resolve/executable" element={<Resolve />} />
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}
