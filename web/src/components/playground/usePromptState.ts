// Where the page's prompt comes from and goes: the URL fragment (#p=...) when
// there is one, else the span named by ?from=<trace_id>/<span_id> (fetched and
// filled), else a blank prompt; every edit is written back to the fragment (after
// a short pause, replacing the history entry; at once before a run and before a
// link of the page is followed), so a reload, Back or a shared link shows the
// same prompt.
import { useCallback, useEffect, useRef, useState } from 'react';
import { apiGet } from '../../api/client';
import type { Span } from '../../api/types';
import type { PlaygroundProvider } from '../../lib/playground/api';
import { promptFromLlm } from '../../lib/playground/fromSpan';
import { blankPrompt, type Prompt } from '../../lib/playground/prompt';
import { decodePrompt, encodePrompt, fragmentFor, fragmentPrompt, parseFrom } from '../../lib/playground/urlState';

export type PromptLoad =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; prompt: Prompt; leftOut: string[] };

async function initialPrompt(hash: string, search: string, providers: PlaygroundProvider[]): Promise<{ prompt: Prompt; leftOut: string[] }> {
  const encoded = fragmentPrompt(hash);
  if (encoded) {
    try {
      return { prompt: await decodePrompt(encoded), leftOut: [] };
    } catch {
      throw new Error('The prompt in this link could not be read (it was cut or edited): open the playground again from the span or the menu.');
    }
  }
  const fromText = new URLSearchParams(search).get('from');
  const from = parseFrom(fromText);
  if (fromText !== null && !from) throw new Error(`?from must be <trace_id>/<span_id> (32 and 16 hex digits), not "${fromText}"`);
  if (from) {
    const span = await apiGet<Span>(`/api/v1/spans/${from.trace_id}/${from.span_id}`);
    if (!span.llm) throw new Error(`Span ${from.span_id} is not an LLM call: it has no model, messages or provider to open.`);
    return promptFromLlm(span.llm, providers, from);
  }
  return { prompt: blankPrompt(providers[0]?.name ?? ''), leftOut: [] };
}

export function usePromptState(providers: PlaygroundProvider[] | undefined) {
  const [load, setLoad] = useState<PromptLoad>({ state: 'loading' });

  useEffect(() => {
    if (!providers) return; // the providers decide which one a span's call runs on
    let live = true;
    initialPrompt(window.location.hash, window.location.search, providers)
      .then((initial) => live && setLoad({ state: 'ready', ...initial }))
      .catch((error: unknown) => live && setLoad({ state: 'error', message: error instanceof Error ? error.message : String(error) }));
    return () => {
      live = false;
    };
    // Read once per mount: later provider reloads must not replace what was edited.
  }, [providers === undefined]);

  const prompt = load.state === 'ready' ? load.prompt : undefined;
  const latest = useRef<Prompt | undefined>(undefined);
  const written = useRef<Prompt | undefined>(undefined); // the prompt the fragment holds
  const mounted = useRef(true);
  latest.current = prompt;

  // Writes the fragment for the current prompt, unless it holds it already. The
  // fragment replaces ?from (the prompt carries its source span now); the router's
  // own history state is kept. Nothing is written once the page is left.
  const flush = useCallback(async () => {
    const current = latest.current;
    if (!current || written.current === current) return;
    const encoded = await encodePrompt(current);
    if (!mounted.current || latest.current !== current) return; // left, or a newer prompt will write itself
    window.history.replaceState(window.history.state, '', `${window.location.pathname}${fragmentFor(encoded)}`);
    written.current = current;
  }, []);
  const pending = useCallback(() => latest.current !== undefined && latest.current !== written.current, []);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  // While typing, the fragment follows after a pause.
  useEffect(() => {
    if (!prompt) return;
    const timer = window.setTimeout(() => void flush(), 250);
    return () => window.clearTimeout(timer);
  }, [prompt, flush]);

  const setPrompt = (update: (prompt: Prompt) => Prompt) =>
    setLoad((current) => (current.state === 'ready' ? { ...current, prompt: update(current.prompt) } : current));
  return { load, setPrompt, flush, pending };
}
