// The prompt playground: a traced LLM call (or a blank prompt) edited and run
// again against a provider the server holds the key of, on up to three
// models or parameter sets side by side; the answers stream in. The prompt lives
// in the URL fragment (components/playground/usePromptState), so the link is
// the prompt.
import { useState, type KeyboardEvent, type MouseEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { useApi } from '../api/useApi';
import { CompareColumns } from '../components/playground/CompareColumns';
import { MessagesEditor } from '../components/playground/MessagesEditor';
import { PreviousAnswer } from '../components/playground/PreviousAnswer';
import { ToolsEditor } from '../components/playground/ToolsEditor';
import { usePromptState } from '../components/playground/usePromptState';
import { useRuns } from '../components/playground/useRuns';
import '../components/playground/playground.css';
import { Loading } from '../components/Status';
import { copyResultText, copyText } from '../lib/copyText';
import type { ProvidersAnswer, RunRequest } from '../lib/playground/api';
import { runRequest, type FieldError, type Prompt } from '../lib/playground/prompt';
import { encodePrompt, fragmentFor } from '../lib/playground/urlState';
import { usePageTitle } from '../lib/usePageTitle';

function Source({ prompt, leftOut }: { prompt: Prompt; leftOut: string[] }) {
  if (!prompt.source && leftOut.length === 0) return null;
  return (
    <p className="muted" data-testid="pg-source">
      {prompt.source && (
        <>
          Opened from{' '}
          <Link to={`/traces/${prompt.source.trace_id}?span=${prompt.source.span_id}`} data-testid="pg-source-link">
            span {prompt.source.span_id}
          </Link>
          ; the traced answer is shown below for comparison.{' '}
        </>
      )}
      {leftOut.length > 0 && <span data-testid="pg-left-out">{leftOut.join(', ')} (the playground sends text and tool parts only).</span>}
    </p>
  );
}

// The link is the prompt: encoded now (the fragment is written after a pause in
// typing, so it may lag the last keystroke).
// Copied through lib/copyText (plain http by host name has no Clipboard API), and
// says so only when it was.
function CopyLink({ prompt }: { prompt: Prompt }) {
  const [said, setSaid] = useState('');
  const copy = async () => {
    const url = `${window.location.origin}${window.location.pathname}${fragmentFor(await encodePrompt(prompt))}`;
    const result = await copyText(url);
    setSaid(result === 'copied' ? 'link copied' : copyResultText(result));
    if (result === 'copied') window.setTimeout(() => setSaid(''), 1500);
  };
  return (
    <button type="button" className="link" onClick={() => void copy()} data-testid="pg-copy-link" title="The link holds the whole prompt">
      {said || 'copy link'}
    </button>
  );
}

function Editor({ providers, providersError }: { providers: ProvidersAnswer['providers']; providersError: string | undefined }) {
  const { load, setPrompt, flush, pending } = usePromptState(providers);
  const navigate = useNavigate();
  const runs = useRuns();
  const [errors, setErrors] = useState<FieldError[]>([]);
  if (load.state === 'loading') return <Loading what="Opening the prompt" />;
  if (load.state === 'error')
    return (
      <div className="error-box" role="alert" data-testid="pg-load-error">
        {load.message} <Link to="/playground">Start a blank prompt</Link>
      </div>
    );
  const prompt = load.prompt;
  const edit = (fields: Partial<Prompt>) => setPrompt((p) => ({ ...p, ...fields }));
  const run = () => {
    const built = prompt.columns.map((_, i) => runRequest(prompt, i));
    const problems = built.flatMap((b) => b.errors).filter((e, i, all) => all.findIndex((o) => o.field === e.field) === i);
    setErrors(problems);
    void flush(); // the URL holds what was run
    if (problems.length === 0) runs.start(built.map((b) => b.request as RunRequest));
  };
  // A link of the page (the source span, a run's trace) followed right after an
  // edit waits for the fragment, so Back returns to the prompt as it was left.
  const onClickCapture = (e: MouseEvent) => {
    const href = (e.target as HTMLElement).closest('a[href]')?.getAttribute('href');
    if (!href || !pending() || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    e.stopPropagation();
    void flush().then(() => navigate(href));
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'Enter' && !runs.running) {
      e.preventDefault();
      run();
    }
  };
  return (
    <div className="pg-layout" onKeyDown={onKeyDown} onClickCapture={onClickCapture}>
      <Source prompt={prompt} leftOut={load.leftOut} />
      {providersError && (
        <p className="warning" data-testid="pg-providers-error">
          The providers could not be listed ({providersError}). An admin configures them with the api's flags or in Settings.
        </p>
      )}
      {!providersError && providers.length === 0 && (
        <p className="warning" data-testid="pg-no-providers">
          No provider is configured: an admin adds one in Settings (or with the api's --openai-api-key, --anthropic-api-key, --gemini-api-key flags).
        </p>
      )}
      <section className="pg-prompt" aria-label="Prompt">
        <label className="pg-field pg-wide">
          System instructions
          <textarea rows={Math.min(10, Math.max(2, prompt.system.split('\n').length))} value={prompt.system}
            onChange={(e) => edit({ system: e.target.value })} data-testid="pg-system" />
        </label>
        <ToolsEditor tools={prompt.tools} onChange={(tools) => edit({ tools })} />
        <MessagesEditor messages={prompt.messages} onChange={(messages) => edit({ messages })} />
        {prompt.previous && prompt.previous.length > 0 && <PreviousAnswer messages={prompt.previous} />}
      </section>
      <div className="pg-actions">
        {runs.running ? (
          <button type="button" className="pg-stop" onClick={runs.stop} data-testid="pg-stop">
            Stop
          </button>
        ) : (
          <button type="button" className="pg-run" onClick={run} data-testid="pg-run" title="Ctrl+Enter">
            Run{prompt.columns.length > 1 ? ` ${prompt.columns.length} side by side` : ''}
          </button>
        )}
        <CopyLink prompt={prompt} />
        <span className="muted">Runs are recorded as traces of service spanline-playground.</span>
      </div>
      {errors.length > 0 && (
        <ul className="error-box pg-errors" role="alert" data-testid="pg-errors">
          {errors.map((e) => (
            <li key={e.field}>
              <span className="mono">{e.field}</span>: {e.message}
            </li>
          ))}
        </ul>
      )}
      <CompareColumns columns={prompt.columns} providers={providers} runOf={runs.runOf} nowMs={runs.nowMs}
        onChange={(columns) => edit({ columns })} onLayoutChange={() => { runs.stop(); runs.clear(); }} />
    </div>
  );
}

export default function Playground() {
  usePageTitle('Playground');
  const location = useLocation();
  const providers = useApi<ProvidersAnswer>('/api/v1/playground/providers');
  const ready = providers.data !== undefined || providers.error !== undefined;
  return (
    <div className="pg-page" data-testid="playground-page">
      <h1>Playground</h1>
      {!ready ? (
        <Loading what="Listing the providers" />
      ) : (
        // A navigation to the playground (the menu, "Open in playground") starts over;
        // the page's own fragment writes do not go through the router.
        <Editor key={location.key} providers={providers.data?.providers ?? []} providersError={providers.error?.message} />
      )}
    </div>
  );
}
