import { useCallback, useEffect, useRef, useState } from 'react';
import type { RecorderPurpose, StagedAudio } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { micOpen, noteVaultError, useRecorder } from '../../store/voices';

/**
 * One recorder take at a time from a component: start / pause / resume / stop / discard, with the live status and
 * level from the store. A take still open when the component goes away is discarded (the microphone closes).
 */
export function useTake(device: string) {
  const status = useRecorder((s) => s.status);
  const level = useRecorder((s) => s.level);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mine = useRef(false);

  useEffect(
    () => () => {
      if (mine.current && micOpen(useRecorder.getState().status))
        void api()
          .call('recorder.discard', {})
          .catch(() => undefined);
    },
    [],
  );

  const run = useCallback(async <T>(fn: () => Promise<T>): Promise<T | null> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (err) {
      noteVaultError(err);
      setError(errorMessage(err));
      return null;
    } finally {
      setBusy(false);
    }
  }, []);

  const start = useCallback(
    (purpose: RecorderPurpose, maxSeconds: number) =>
      run(async () => {
        const s = await api().call('recorder.start', { device: device || undefined, purpose, maxSeconds });
        mine.current = true;
        useRecorder.getState().apply(s);
        return s;
      }),
    [device, run],
  );
  const pause = useCallback(
    () => run(async () => useRecorder.getState().apply(await api().call('recorder.pause', {}))),
    [run],
  );
  const resume = useCallback(
    () => run(async () => useRecorder.getState().apply(await api().call('recorder.resume', {}))),
    [run],
  );
  const stop = useCallback(
    () =>
      run(async (): Promise<StagedAudio> => {
        const staged = await api().call('recorder.stop', {});
        mine.current = false;
        void useRecorder.getState().sync();
        return staged;
      }),
    [run],
  );
  const discard = useCallback(
    () =>
      run(async () => {
        await api().call('recorder.discard', {});
        mine.current = false;
        void useRecorder.getState().sync();
      }),
    [run],
  );

  const open = micOpen(status);
  return { status, level, open, busy, error, setError, start, pause, resume, stop, discard };
}

/** Wait until the recorder has `seconds` of audio or ended on its own (limit), at most `seconds + 3` s. */
export function waitForElapsed(seconds: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      off();
      window.clearTimeout(timer);
      resolve();
    };
    const off = useRecorder.subscribe((s) => {
      if (s.status.state === 'ended' || s.status.state === 'idle' || s.status.elapsed >= seconds) done();
    });
    const timer = window.setTimeout(done, (seconds + 3) * 1000);
  });
}

export const formatClock = (seconds: number) => {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${(s % 60).toString().padStart(2, '0')}`;
};
