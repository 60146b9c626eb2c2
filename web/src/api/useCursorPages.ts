// A list read a page at a time with the api's cursor (next_cursor -> cursor):
// the first page whenever its path changes, the next one on demand, appended.
// A new first page or unmounting cancels the request in flight, so a page of
// an old filter never lands in the new list.

import { useCallback, useEffect, useRef, useState } from 'react';
import { apiGet, isAbort } from './client';

export interface CursorPages<Page, Item> {
  items: Item[];
  last: Page | undefined; // the latest page (its completeness)
  error: Error | undefined;
  loading: boolean;
  hasMore: boolean;
  loadMore: () => void;
}

export function useCursorPages<Page extends { next_cursor?: string | null }, Item>(
  pathFor: (cursor: string | null) => string,
  itemsOf: (page: Page) => Item[],
  append: (current: Item[], page: Item[]) => Item[],
): CursorPages<Page, Item> {
  const [items, setItems] = useState<Item[]>([]);
  const [last, setLast] = useState<Page>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(false);
  const controller = useRef<AbortController | null>(null);
  const firstPath = pathFor(null);
  // The latest callbacks, so that only a new first page reloads.
  const latest = useRef({ pathFor, itemsOf, append });
  latest.current = { pathFor, itemsOf, append };

  const load = useCallback((cursor: string | null) => {
    controller.current?.abort();
    const mine = new AbortController();
    controller.current = mine;
    setLoading(true);
    const { pathFor: path, itemsOf: itemsIn, append: add } = latest.current;
    apiGet<Page>(path(cursor), mine.signal)
      .then((page) => {
        setItems((current) => (cursor ? add(current, itemsIn(page)) : itemsIn(page)));
        setLast(page);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (!isAbort(e)) setError(e instanceof Error ? e : new Error(String(e)));
      })
      .finally(() => {
        if (!mine.signal.aborted) setLoading(false);
      });
  }, []);

  useEffect(() => {
    setItems([]);
    setLast(undefined);
    load(null);
    return () => controller.current?.abort();
  }, [firstPath, load]);

  const next = last?.next_cursor ?? null;
  const loadMore = useCallback(() => {
    if (next) load(next);
  }, [load, next]);
  return { items, last, error, loading, hasMore: next !== null, loadMore };
}
