// Loading, error, empty and partial-answer states, the same on every page.
import type { ReactNode } from 'react';
import type { Completeness } from '../api/types';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return <p className="muted" role="status">{what}…</p>;
}

export function ErrorBox({ error }: { error: Error | undefined }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert">
      {error.message}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function PartialWarning({ answer }: { answer: Completeness | undefined }) {
  if (!answer?.partial) return null;
  return (
    <div className="warning" role="alert" data-testid="partial-warning">
      Partial answer: partitions {answer.missing_partitions.join(', ')} did not answer (their indexer is down or slow). Results
      from them are missing.
    </div>
  );
}
