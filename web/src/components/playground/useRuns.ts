// The compared columns' runs: all started together on the same prompt, each with
// its own AbortController (Stop aborts them all: closing the connection is how
// the api learns to stop the provider call), each folding its events into its
// own RunState as they arrive.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunRequest } from '../../lib/playground/api';
import { applyEvent, idleRun, startedRun, streamRun, type RunState } from '../../lib/playground/run';

export function useRuns() {
  const [runs, setRuns] = useState<RunState[]>([]);
  const controllers = useRef<AbortController[]>([]);
  const [nowMs, setNowMs] = useState(() => Date.now());
  const running = runs.some((run) => run.status === 'running');

  // The latency ticks while a run is in flight.
  useEffect(() => {
    if (!running) return;
    const timer = window.setInterval(() => setNowMs(Date.now()), 100);
    return () => window.clearInterval(timer);
  }, [running]);

  const stop = useCallback(() => {
    controllers.current.forEach((controller) => controller.abort());
  }, []);

  useEffect(() => stop, [stop]); // leaving the page stops its runs

  const start = useCallback((requests: RunRequest[]) => {
    stop();
    const now = Date.now();
    setNowMs(now);
    setRuns(requests.map(() => startedRun(now)));
    controllers.current = requests.map((request, index) => {
      const controller = new AbortController();
      void streamRun(request, controller.signal, (event) => {
        const at = Date.now();
        setRuns((all) => all.map((run, i) => (i === index ? applyEvent(run, event, at) : run)));
      });
      return controller;
    });
  }, [stop]);

  const runOf = (index: number): RunState => runs[index] ?? idleRun;
  return { runs, runOf, start, stop, running, nowMs, clear: () => setRuns([]) };
}
