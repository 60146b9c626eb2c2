// Every request the UI makes goes through here: JSON in and out, the session
// cookie sent by the browser, errors as ApiError with the api's own message, and
// a 401 anywhere sends the user back to sign-in.

import type { ErrorAnswer } from './types';
import { rememberAnswerText } from '../lib/exactNanos';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const UNAUTHENTICATED_EVENT = 'spanline:unauthenticated';

async function parse<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
    rememberAnswerText(body, text); // for exact nanosecond times (lib/exactNanos)
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    // Every error answer of the api is an ErrorAnswer; a proxy in between may answer anything else.
    const error = (body as Partial<ErrorAnswer> | undefined)?.error;
    if (response.status === 401) window.dispatchEvent(new Event(UNAUTHENTICATED_EVENT));
    throw new ApiError(response.status, error?.code ?? 'error', error?.message ?? `${response.status} ${response.statusText}`);
  }
  return body as T;
}

export async function apiGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { credentials: 'same-origin', signal, headers: { Accept: 'application/json' } });
  return parse<T>(response);
}

export async function apiSend<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    signal,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return parse<T>(response);
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}
