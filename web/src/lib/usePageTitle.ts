// The browser tab names what the page shows ("Trace 4bf92f… · Spanline"), so a
// person with several tabs, or the history list, can tell them apart. One call per
// page; the parts that are not known yet (a run's name while it loads) are skipped.
import { useEffect } from 'react';

export const APP_NAME = 'Spanline';

export function pageTitle(...parts: (string | null | undefined)[]): string {
  return [...parts.filter((part): part is string => Boolean(part)), APP_NAME].join(' · ');
}

// An id shortened for a title: enough to tell two apart, not the whole 32 digits.
export function titleId(id: string): string {
  return id.length > 8 ? `${id.slice(0, 6)}…` : id;
}

export function usePageTitle(...parts: (string | null | undefined)[]) {
  const title = pageTitle(...parts);
  useEffect(() => {
    document.title = title;
  }, [title]);
}
