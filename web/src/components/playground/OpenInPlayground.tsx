// "Open in playground" on an LLM span that was a call with a prompt (a generation,
// or any kind that recorded input messages): the playground fetches the span and
// fills the prompt from its LLM record (lib/playground/fromSpan).
import { Link } from 'react-router-dom';
import type { Span } from '../../api/types';
import { playgroundLink } from '../../lib/playground/urlState';
import './playground.css';

export function OpenInPlayground({ span }: { span: Span }) {
  const llm = span.llm;
  if (!llm || (llm.kind !== 'generation' && llm.input_messages.length === 0)) return null;
  return (
    <p className="pg-open-row">
      <Link className="pg-open" to={playgroundLink(span.trace_id, span.span_id)} data-testid="open-in-playground">
        Open in playground
      </Link>{' '}
      <span className="muted">edit this call and run it again</span>
    </p>
  );
}
