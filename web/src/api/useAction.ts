// A user action that changes something (create, revoke, remove): runs it, then
// reloads what the page shows; a failure is kept for the page to show.

import { useCallback, useState } from 'react';

export function useAction(reload: () => void) {
  const [error, setError] = useState<Error>();
  const run = useCallback(
    async (action: () => Promise<unknown>) => {
      try {
        await action();
        setError(undefined);
        reload();
      } catch (e) {
        setError(e as Error);
      }
    },
    [reload],
  );
  return { error, run };
}
