import { afterEach, describe, expect, it, vi } from 'vitest';
import { prefetchApi, takePrefetched } from './prefetch';

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('prefetch', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('starts a fetch once and hands it to the first taker only', async () => {
    const fetch = vi.fn(async () => answer(200, { spans: [] }));
    vi.stubGlobal('fetch', fetch);
    prefetchApi('/api/v1/traces/a');
    prefetchApi('/api/v1/traces/a');
    expect(fetch).toHaveBeenCalledTimes(1);
    await expect(takePrefetched('/api/v1/traces/a')).resolves.toEqual({ spans: [] });
    expect(takePrefetched('/api/v1/traces/a')).toBeUndefined();
    expect(takePrefetched('/api/v1/traces/b')).toBeUndefined();
  });

  it('drops a failed answer, so the page asks again', async () => {
    vi.stubGlobal('window', { dispatchEvent: () => true });
    vi.stubGlobal('fetch', vi.fn(async () => answer(401, { error: { code: 'unauthenticated', message: 'sign in' } })));
    prefetchApi('/api/v1/traces/c');
    await new Promise((r) => setTimeout(r, 10));
    expect(takePrefetched('/api/v1/traces/c')).toBeUndefined();
  });
});
