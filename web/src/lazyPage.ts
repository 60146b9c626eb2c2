// Lazy pages that never wait on React's Suspense reveal throttle. A page shown
// through a Suspense fallback is revealed at the earliest ~300 ms after the
// fallback appeared, however fast its chunk came, and only then starts its
// fetches. So the chunks are loaded ahead (at start for the page in the URL, on
// hovering or focusing a link, and all of them when the browser is idle), and a
// page whose chunk is already here renders at once, without suspending.
import { createElement, lazy, useState, type ComponentType } from 'react';

type Module<P> = { default: ComponentType<P> };

export type LazyPage<P extends object> = ComponentType<P> & { preload: () => Promise<unknown> };

export function lazyPage<P extends object>(load: () => Promise<Module<P>>): LazyPage<P> {
  let loaded: ComponentType<P> | undefined;
  let pending: Promise<Module<P>> | undefined;
  const preload = () =>
    (pending ??= load().then(
      (module) => {
        loaded = module.default;
        return module;
      },
      (error: unknown) => {
        pending = undefined; // a failed chunk is asked for again next time
        throw error;
      },
    ));
  const Suspended = lazy(preload);
  function Page(props: P) {
    // Chosen once per mount: switching from the lazy wrapper to the module
    // itself later would re-mount the page.
    const [component] = useState<ComponentType<P>>(() => loaded ?? Suspended);
    return createElement(component, props);
  }
  return Object.assign(Page, { preload });
}

// Every page's chunk, when the browser has nothing else to do.
export function preloadWhenIdle(pages: { preload: () => Promise<unknown> }[]): () => void {
  const run = () => pages.forEach((page) => void page.preload().catch(() => undefined));
  const idle = (window as Window & { requestIdleCallback?: (cb: () => void, opts?: { timeout: number }) => number }).requestIdleCallback;
  if (idle) {
    const id = idle(run, { timeout: 3000 });
    return () => window.cancelIdleCallback?.(id);
  }
  const id = window.setTimeout(run, 1000);
  return () => window.clearTimeout(id);
}
