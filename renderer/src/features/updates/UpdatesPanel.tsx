/**
 * Settings → Updates (issue #13; docs/electron.md "Updates"): check for updates when the user asks, download with
 * progress, then "Restart to update". In web mode the core says the desktop app handles updates; a managed policy
 * that turns updates off (or fixes the channel) shows "Set by your organization" and disables the controls.
 */
import { useEffect } from 'react';
import { create } from 'zustand';
import type { UpdatesInfo } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { useT } from '../../i18n/useT';
import { toast } from '../../store/toasts';
import { PolicyNote } from '../policy/PolicyNote';

type Action = 'updates.check' | 'updates.download' | 'updates.install';

interface UpdatesState {
  info: UpdatesInfo | null;
  load(): Promise<void>;
  run(action: Action): Promise<void>;
  set(info: UpdatesInfo): void;
}

/** The panel's store slice: the latest status from a call or the `updates.status` event. */
export const useUpdates = create<UpdatesState>((set) => ({
  info: null,
  async load() {
    try {
      set({ info: await api().call('updates.status', {}) });
    } catch {
      // An older core without the call: the panel stays hidden.
    }
  },
  async run(action) {
    try {
      set({ info: await api().call(action, {}) });
    } catch (err) {
      toast.error(errorMessage(err));
    }
  },
  set: (info) => set({ info }),
}));

export function UpdatesPanel() {
  const t = useT();
  const { info, load, run, set } = useUpdates();
  useEffect(() => {
    void load();
    return api().on('updates.status', set);
  }, [load, set]);
  if (!info) return null;
  const s = info.status;
  const byPolicy = s.state === 'disabled' && s.byPolicy;
  const busy = s.state === 'checking' || s.state === 'downloading';
  const canCheck = s.state !== 'unsupported' && s.state !== 'disabled';

  return (
    <section className="card settings-card updates-panel" aria-labelledby="updates-title" aria-busy={busy}>
      <h2 id="updates-title" className="card-heading">
        {t('updates.title')}
      </h2>
      <dl className="about-list">
        <div>
          <dt>{t('updates.current')}</dt>
          <dd>{info.currentVersion}</dd>
        </div>
        {s.state !== 'unsupported' && (
          <div>
            <dt>{t('updates.channel')}</dt>
            <dd>
              {t(`updates.channel.${info.channel}`)}
              {info.channelFixed && <PolicyNote id="updates-channel-policy" />}
            </dd>
          </div>
        )}
      </dl>

      <div className="updates-status" role="status">
        {s.state === 'unsupported' && <p className="field-hint">{t('updates.desktopOnly')}</p>}
        {s.state === 'disabled' && <p className="field-hint">{byPolicy ? t('updates.offByPolicy') : s.reason}</p>}
        {s.state === 'checking' && <p>{t('updates.checking')}</p>}
        {s.state === 'not-available' && <p>{t('updates.upToDate', { version: s.version })}</p>}
        {s.state === 'available' && <p>{t('updates.available', { version: s.version })}</p>}
        {s.state === 'downloading' && <p>{t('updates.downloading', { percent: Math.round(s.percent) })}</p>}
        {s.state === 'downloaded' && <p>{t('updates.downloaded', { version: s.version })}</p>}
      </div>
      {s.state === 'error' && (
        <p className="updates-error" role="alert">
          {t('updates.error', { message: s.message })}
        </p>
      )}
      {s.state === 'downloading' && (
        <div
          className="progress"
          role="progressbar"
          aria-label={t('updates.progressLabel')}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(s.percent)}
        >
          <div className="progress-bar" style={{ width: `${s.percent}%` }} />
        </div>
      )}

      {s.state !== 'unsupported' && (
        <div className="updates-actions">
          {s.state === 'available' ? (
            <button type="button" className="btn btn-primary" onClick={() => void run('updates.download')}>
              {t('updates.download', { version: s.version })}
            </button>
          ) : s.state === 'downloaded' ? (
            <button type="button" className="btn btn-primary" onClick={() => void run('updates.install')}>
              {t('updates.restart')}
            </button>
          ) : (
            <button
              type="button"
              className="btn"
              disabled={!canCheck || busy}
              aria-describedby={byPolicy ? 'updates-policy' : undefined}
              onClick={() => void run('updates.check')}
            >
              {t('updates.check')}
            </button>
          )}
          {byPolicy && <PolicyNote id="updates-policy" />}
        </div>
      )}
      {s.state !== 'unsupported' && !byPolicy && <p className="field-hint">{t('updates.hint')}</p>}
    </section>
  );
}
