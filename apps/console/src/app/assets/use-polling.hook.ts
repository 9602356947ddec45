import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  refresh: () => void;
}

/**
 * Loads with `load` now and again every `intervalMs` while `shouldPoll(data)` says the data still changes
 * by itself (statuses that are not final); a new `key` starts over. A load still in flight when the next
 * begins is aborted, so a slow answer never overwrites a newer one.
 */
export function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, key: string, intervalMs: number, shouldPoll: (data: T) => boolean = () => true): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const pollRef = useRef(shouldPoll);
  pollRef.current = shouldPoll;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const next = await loadRef.current(controller.signal);
        if (controller.signal.aborted) return;
        setData(next);
        setError(undefined);
        if (pollRef.current(next)) timer = setTimeout(() => void run(), intervalMs);
      } catch (failure) {
        if (controller.signal.aborted) return;
        setError(failure instanceof Error ? failure.message : String(failure));
        timer = setTimeout(() => void run(), intervalMs * 2);
      }
    };
    void run();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [key, tick, intervalMs]);

  return { data, error, refresh: () => setTick((value) => value + 1) };
}
