// A Junjo stable link: /resolve/executable?service_name=&executable_type=workflow|agent&runtime_id=
// (what a Junjo application prints next to a run). Asks the api where the run is;
// while its telemetry has not arrived ("not yet seen") asks again with backoff,
// opens the run's page once it is found, and says "no such run" when the api
// gives up (after the bound its answers carry: 2 minutes of asking).
import { useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError, apiGet, isAbort } from '../api/client';
import { isFound, resolveApiPath, retryDelayMs, type ExecutableNotYetSeen, type ResolvedExecutable } from '../lib/resolveLink';
import { usePageTitle } from '../lib/usePageTitle';

type View =
  | { kind: 'asking' }
  | { kind: 'waiting'; message: string; waitedMs: number; retryInMs: number; givesUpAfterMs?: number }
  | { kind: 'no-such-run'; message: string }
  | { kind: 'refused'; message: string };

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export default function Resolve() {
  usePageTitle('Opening a run');
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const [view, setView] = useState<View>({ kind: 'asking' });
  const link = search.toString();

  useEffect(() => {
    const controller = new AbortController();
    const started = Date.now();
    let timer = 0;
    let attempt = 0;
    let givesUpAfterMs: number | undefined;
    const again = (message: string) => {
      const waitedMs = Date.now() - started;
      const retryInMs = retryDelayMs(attempt++, waitedMs, givesUpAfterMs);
      setView({ kind: 'waiting', message, waitedMs, retryInMs, givesUpAfterMs });
      timer = window.setTimeout(() => void ask(), retryInMs);
    };
    const ask = async () => {
      try {
        const answer = await apiGet<ResolvedExecutable | ExecutableNotYetSeen>(
          resolveApiPath(new URLSearchParams(link), Date.now() - started),
          controller.signal,
        );
        if (isFound(answer)) {
          navigate(answer.path, { replace: true });
          return;
        }
        givesUpAfterMs = answer.gives_up_after_ms;
        again(answer.message);
      } catch (error) {
        if (isAbort(error)) return;
        if (error instanceof ApiError && error.status === 404) setView({ kind: 'no-such-run', message: error.message });
        else if (error instanceof ApiError && error.status === 400) setView({ kind: 'refused', message: error.message });
        // The api or its indexers are unavailable for now: keep asking.
        else again(error instanceof Error ? error.message : String(error));
      }
    };
    void ask();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [link, navigate]);

  const runtimeId = search.get('runtime_id') ?? '';
  const type = search.get('executable_type') ?? 'run';
  const service = search.get('service_name') ?? '';
  return (
    <section data-testid="resolve-link">
      <h1>Opening a Junjo {type} run</h1>
      <p className="muted">
        Runtime id <code>{runtimeId}</code> of service <code>{service}</code>
      </p>
      {view.kind === 'asking' && (
        <p className="muted" role="status" data-testid="resolve-status">
          Looking for the run…
        </p>
      )}
      {view.kind === 'waiting' && (
        <div className="warning" role="status" data-testid="resolve-status">
          Not yet seen, retrying in {seconds(view.retryInMs)}: {view.message}.
          <span className="muted">
            {' '}
            (asked for {seconds(view.waitedMs)}
            {view.givesUpAfterMs !== undefined && `; gives up after ${seconds(view.givesUpAfterMs)}`})
          </span>
        </div>
      )}
      {view.kind === 'no-such-run' && (
        <div className="error-box" role="alert" data-testid="resolve-status">
          <strong>No such run.</strong> {view.message}
        </div>
      )}
      {view.kind === 'refused' && (
        <div className="error-box" role="alert" data-testid="resolve-status">
          <strong>This link is not one Spanline can open.</strong> {view.message}
        </div>
      )}
    </section>
  );
}
