// The session a trace belongs to (session.id / gen_ai.conversation.id on one
// of its spans), as a link to the session's page; nothing when it has none.
import { Link } from 'react-router-dom';
import { sessionOfSpans, sessionPagePath } from '../lib/sessions';

type SpanBags = Parameters<typeof sessionOfSpans>[0];

export function TraceSessionLink({ spans }: { spans: SpanBags }) {
  const sessionId = sessionOfSpans(spans);
  if (!sessionId) return null;
  return (
    <>
      {' · '}
      <Link to={sessionPagePath(sessionId)} data-testid="trace-session-link">
        session <span className="mono">{sessionId}</span>
      </Link>
    </>
  );
}
