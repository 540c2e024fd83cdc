import { api, errorMessage } from '../api';
import { currentT } from '../i18n/useT';
import { useStudio } from './studio';
import { toast, useToasts } from './toasts';

const SEEN = 'timbre.recovery.seen';

/**
 * After Timbre restarts from a crash or quit: say how many interrupted generation jobs were resumed (and how many
 * were not, because their lines changed), or, with automatic resume off, offer to resume them. Shown once per start
 * of the core (`startedAt`), not on every reload of the page.
 */
export async function showRecoveryNotice(): Promise<void> {
  let r;
  try {
    r = await api().call('jobs.recovery', {});
  } catch (err) {
    console.warn('jobs.recovery failed', err);
    return;
  }
  try {
    if (localStorage.getItem(SEEN) === r.startedAt) return;
    localStorage.setItem(SEEN, r.startedAt);
  } catch {
    // storage disabled: show it anyway
  }
  const t = currentT();
  if (r.resumed > 0 || r.skipped > 0) {
    useToasts.getState().push({
      kind: 'info',
      message:
        t.plural('recovery.resumed', r.resumed) + (r.skipped ? ` ${t.plural('recovery.skipped', r.skipped)}` : ''),
      timeout: 12_000,
    });
  } else if (!r.autoResume && r.interrupted > 0) {
    offerResume(r.interrupted);
  }
}

function offerResume(count: number) {
  const t = currentT();
  const id = useToasts.getState().push({
    kind: 'info',
    message: t.plural('recovery.interrupted', count),
    timeout: 0, // until the user resumes or dismisses it
    action: {
      label: t('recovery.resume'),
      run: () => {
        void (async () => {
          try {
            const res = await api().call('jobs.resumeInterrupted', {});
            toast.info(
              t.plural('recovery.resumed', res.jobs.length) +
                (res.skipped.length ? ` ${t.plural('recovery.skipped', res.skipped.length)}` : ''),
            );
            if (useStudio.getState().projectId) void useStudio.getState().refresh(true);
          } catch (err) {
            toast.error(errorMessage(err));
          }
        })();
        useToasts.getState().dismiss(id);
      },
    },
  });
}
