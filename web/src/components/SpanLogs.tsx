// The log records of one span, oldest first (GET /api/v1/traces/{trace}/logs
// ?span_id=): application logs and GenAI events sent as log records.
// Nothing is shown for a span without records.
import { useApi } from '../api/useApi';
import type { Answer } from '../api/types';
import { spanLogsApiPath } from '../lib/logsQuery';
import { LogRecordView } from './LogRecordView';
import { ErrorBox, PartialWarning } from './Status';

export function SpanLogs({ traceId, spanId }: { traceId: string; spanId: string }) {
  const answer = useApi<Answer<'getTraceLogs'>>(spanLogsApiPath(traceId, spanId));
  const logs = answer.data?.logs ?? [];
  if (answer.error) return <ErrorBox error={answer.error} />;
  if (logs.length === 0) return null;
  return (
    <details open className="span-logs" data-testid="span-logs">
      <summary>
        Logs ({logs.length}
        {answer.data?.truncated ? '+' : ''})
      </summary>
      <PartialWarning answer={answer.data} />
      <ol className="log-list">
        {logs.map((log) => (
          <LogRecordView key={log.log_id} log={log} showTrace={false} />
        ))}
      </ol>
    </details>
  );
}
