// One log record: its time, severity (coloured), service, event name and
// trace/span (a link to the span in its trace), its body, and what a GenAI
// event says rendered as such: an evaluation result as a score, an
// inference's operation details as its messages (role and text; the full
// conversation view is the span's). Attributes and resource fold below.
import { Link } from 'react-router-dom';
import { formatTime, shortId } from '../lib/format';
import { bodyText, evaluationOf, operationMessagesOf, severityLabel, severityName, type LogRecord } from '../lib/logRecords';

function Evaluation({ log }: { log: LogRecord }) {
  const evaluation = evaluationOf(log);
  if (!evaluation) return null;
  return (
    <div className="log-score" data-testid="log-evaluation">
      <span className="log-score-name">{evaluation.name ?? 'evaluation'}</span>
      {evaluation.value !== undefined && (
        <span className="log-score-value" data-testid="log-score-value">
          {evaluation.value}
        </span>
      )}
      {evaluation.label && <span className="log-score-label">{evaluation.label}</span>}
      {evaluation.explanation && <p className="log-score-explanation">{evaluation.explanation}</p>}
    </div>
  );
}

function Messages({ log }: { log: LogRecord }) {
  const messages = operationMessagesOf(log);
  if (!messages) return null;
  return (
    <ol className="log-messages" data-testid="log-messages">
      {messages.map((m, i) => (
        <li key={i} className={`log-message log-message-${m.source}`}>
          <span className="log-message-role">{m.role}</span>
          <span className="log-message-text">{m.text}</span>
        </li>
      ))}
    </ol>
  );
}

export function LogRecordView({ log, showTrace = true }: { log: LogRecord; showTrace?: boolean }) {
  const level = severityName(log.severity_number);
  const body = bodyText(log.body);
  const attributes = Object.keys(log.attributes ?? {}).length;
  return (
    <li className={`log-record log-${level}`} data-testid="log-record" data-severity={level}>
      <div className="log-head">
        <time className="log-time">{formatTime(log.time_ns)}</time>
        <span className={`log-severity log-severity-${level}`} data-testid="log-severity">
          {severityLabel(log)}
        </span>
        <span className="log-service">{log.service}</span>
        {log.event_name && <span className="log-event">{log.event_name}</span>}
        {showTrace && log.trace_id && (
          <Link
            className="log-trace mono"
            data-testid="log-trace-link"
            to={`/traces/${log.trace_id}${log.span_id ? `?span=${log.span_id}` : ''}`}
          >
            trace {shortId(log.trace_id)}
            {log.span_id && ` / span ${shortId(log.span_id)}`}
          </Link>
        )}
      </div>
      {body && <pre className="log-body">{body}</pre>}
      <Evaluation log={log} />
      <Messages log={log} />
      {attributes > 0 && (
        <details className="log-attributes">
          <summary>Attributes ({attributes})</summary>
          <pre className="value">{JSON.stringify(log.attributes, null, 2)}</pre>
        </details>
      )}
    </li>
  );
}
