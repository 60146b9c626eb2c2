// A copy button that says what happened next to it ("Copied", or how to copy
// by hand) for a few seconds; lib/copyText does the copying.
import { useEffect, useRef, useState, type ReactNode, type RefObject } from 'react';
import { copyResultText, copyText, type CopyResult } from '../lib/copyText';

const SHOWN_MS = 4000;

export function CopyButton({
  text,
  shown,
  label = 'copy',
  className = 'link',
  testId,
}: {
  text: string | (() => string);
  shown?: RefObject<Element | null>; // where the text is shown, selected if copying fails
  label?: ReactNode;
  className?: string;
  testId?: string;
}): ReactNode {
  const [result, setResult] = useState<CopyResult>();
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const copy = async () => {
    const outcome = await copyText(typeof text === 'function' ? text() : text, shown?.current);
    setResult(outcome);
    window.clearTimeout(timer.current);
    // a failure stays until the next try: the person has to act on it
    if (outcome === 'copied') timer.current = window.setTimeout(() => setResult(undefined), SHOWN_MS);
  };
  return (
    <>
      <button type="button" className={className} onClick={() => void copy()} data-testid={testId}>
        {label}
      </button>
      {result && (
        <span role="status" className={`copy-result ${result === 'copied' ? 'muted' : 'error-text'}`} data-testid={testId ? `${testId}-result` : 'copy-result'}>
          {' '}
          {copyResultText(result)}
        </span>
      )}
    </>
  );
}
