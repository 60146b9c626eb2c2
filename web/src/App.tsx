// The shell: who is signed in decides between setup, sign-in and the app; a 401
// from any request (an expired session) sends the user back to sign-in.
import { Suspense, useCallback, useEffect, useState, type ReactNode } from 'react';
import { matchRoutes, NavLink, Navigate, Route, Routes, useLocation, useNavigate, type Params } from 'react-router-dom';
import { apiGet, apiSend, UNAUTHENTICATED_EVENT } from './api/client';
import { agentRunApiPath, traceApiPath, workflowApiPath } from './api/paths';
import { prefetchApi } from './api/prefetch';
import type { Answer, User } from './api/types';
import { HealthBanner } from './components/pipeline/HealthBanner';
import { Loading } from './components/Status';
import { SignIn } from './pages/SignIn';
import { useTimeZone } from './lib/timeZone';
import { lazyPage, preloadWhenIdle, type LazyPage } from './lazyPage';

// Every page is its own chunk, loaded ahead so that none waits on React's
// Suspense throttle (lazyPage); the first bundle holds only the shell.
const Services = lazyPage(() => import('./pages/Services'));
const Traces = lazyPage(() => import('./pages/Traces'));
const Trace = lazyPage(() => import('./pages/Trace'));
const Workflows = lazyPage(() => import('./pages/Workflows'));
const WorkflowRun = lazyPage(() => import('./pages/WorkflowRun'));
const AgentRun = lazyPage(() => import('./pages/AgentRun'));
const Pipeline = lazyPage(() => import('./pages/Pipeline'));
const LlmUsage = lazyPage(() => import('./pages/LlmUsage'));
const CompareRuns = lazyPage(() => import('./pages/CompareRuns'));
const Settings = lazyPage(() => import('./pages/Settings'));
const Resolve = lazyPage(() => import('./pages/Resolve'));
const Logs = lazyPage(() => import('./pages/Logs'));
const Sessions = lazyPage(() => import('./pages/Sessions'));
const SessionPage = lazyPage(() => import('./pages/Session'));
const Playground = lazyPage(() => import('./pages/Playground'));

interface PageRoute {
  path: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- pages take different props
  page: LazyPage<any>;
  render?: (user: User) => ReactNode; // when the page takes props
  data?: (params: Params) => string; // the answer the page opens with, fetched with its chunk
}

const ROUTES: PageRoute[] = [
  { path: '/', page: Services },
  { path: '/traces', page: Traces },
  { path: '/traces/:traceId', page: Trace, data: (p) => traceApiPath(p.traceId ?? '') },
  { path: '/workflows', page: Workflows },
  { path: '/workflows/compare', page: CompareRuns },
  { path: '/workflows/:traceId/:spanId', page: WorkflowRun, data: (p) => workflowApiPath(p.traceId ?? '', p.spanId ?? '') },
  { path: '/agents/:traceId/:spanId', page: AgentRun, data: (p) => agentRunApiPath(p.traceId ?? '', p.spanId ?? '') },
  { path: '/llm', page: LlmUsage },
  { path: '/logs', page: Logs },
  { path: '/sessions', page: Sessions },
  { path: '/sessions/:sessionId', page: SessionPage },
  { path: '/pipeline', page: Pipeline },
  { path: '/playground', page: Playground },
  { path: '/settings', page: Settings, render: (user) => <Settings currentUser={user} /> },
  { path: '/resolve/executable', page: Resolve },
];

// Loads the chunk of the page at `pathname`, and with `withData` starts its first answer too.
function preloadPath(pathname: string, withData: boolean) {
  const match = matchRoutes(ROUTES, pathname)?.[0];
  if (!match) return;
  const route = match.route as PageRoute;
  void route.page.preload().catch(() => undefined);
  if (withData && route.data) prefetchApi(route.data(match.params));
}

// A link about to be followed (pointer over it, or focused): its page's chunk.
function preloadLink(event: Event) {
  const link = (event.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
  if (link && link.origin === window.location.origin) preloadPath(link.pathname, false);
}

type Session = { state: 'checking' } | { state: 'signed-out'; setupOpen: boolean; setupTokenRequired?: boolean } | { state: 'signed-in'; user: User };

export function App() {
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const [menuOpen, setMenuOpen] = useState(false);
  const zone = useTimeZone(); // a new zone re-mounts the page, so every time on it is read again
  const navigate = useNavigate();
  const location = useLocation();
  // The page in the URL at start: its chunk and first answer while the session is checked.
  useState(() => preloadPath(window.location.pathname, true));
  useEffect(() => {
    document.addEventListener('pointerover', preloadLink);
    document.addEventListener('focusin', preloadLink);
    const cancel = preloadWhenIdle(ROUTES.map((r) => r.page));
    return () => {
      document.removeEventListener('pointerover', preloadLink);
      document.removeEventListener('focusin', preloadLink);
      cancel();
    };
  }, []);

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
            {ROUTES.map(({ path, page: Page, render }) => (
              <Route key={path} path={path} element={render ? render(session.user) : <Page />} />
            ))}
            <Route path="*" element={<Navigate to="/" replace />} />
          </Routes>
        </Suspense>
      </main>
    </div>
  );
}
