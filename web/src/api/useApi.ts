// Fetches one api path for a component; a new path or unmounting cancels the
// request in flight, so pages never race stale answers or storm the api.

import { useCallback, useEffect, useState } from 'react';
import { ApiError, apiGet, isAbort } from './client';
import { takePrefetched } from './prefetch';

export interface ApiState<T> {
  data: T | undefined;
  error: ApiError | Error | undefined;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(path: string | null, refreshMs?: number): ApiState<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError | Error>();
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    if (!path) return;
    const controller = new AbortController();
    setLoading(true);
    (takePrefetched<T>(path) ?? apiGet<T>(path, controller.signal))
      .then((value) => {
        if (controller.signal.aborted) return; // a prefetched answer ignores the signal
        setData(value);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (!isAbort(e) && !controller.signal.aborted) setError(e instanceof Error ? e : new Error(String(e)));
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [path, tick]);

  useEffect(() => {
    if (!refreshMs || !path) return;
    const timer = window.setInterval(reload, refreshMs);
    return () => window.clearInterval(timer);
  }, [refreshMs, path, reload]);

  return { data, error, loading, reload };
}
