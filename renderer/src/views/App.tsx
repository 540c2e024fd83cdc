import { useCallback, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { bootApi, errorMessage, onUnauthorized, switchWebToken, takeTokenFromHash, tokenFromPasted } from '../api';
import { Icon, type IconName } from '../components/Icon';
import { Toasts } from '../components/Toasts';
import { currentT, useT } from '../i18n/useT';
import { useConnection } from '../store/connection';
import { wireEvents } from '../store/events';
import { useNav, VIEWS, type View } from '../store/nav';
import { usePolicy } from '../features/policy/policy';
import { useSettings } from '../store/settings';
import { messages as studioMessages, useStudio } from '../store/studio';
import { showRecoveryNotice } from '../store/recovery';
import { toast } from '../store/toasts';
import { ModelsView } from './ModelsView';
import { ProjectsView } from './ProjectsView';
import { SettingsView } from './SettingsView';
import { StudioView } from './StudioView';
import { VoicesView } from './voices/VoicesView';
import { PrivacyView } from '../features/privacy/PrivacyView';
import { DubView } from '../features/dub/DubView';
import { MicIndicator } from './voices/MicIndicator';

type Phase = { kind: 'booting' } | { kind: 'no-token' } | { kind: 'failed'; message: string } | { kind: 'ready' };

/** Apply the theme to <html data-theme> (following the OS when "system"), and the language to <html lang>. */
function useDocumentSettings() {
  const theme = useSettings((s) => s.settings.theme);
  const locale = useSettings((s) => s.settings.locale);
  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      document.documentElement.dataset.theme = theme === 'system' ? (mq.matches ? 'dark' : 'light') : theme;
    };
    apply();
    mq.addEventListener('change', apply);
    return () => mq.removeEventListener('change', apply);
  }, [theme]);
  useEffect(() => {
    document.documentElement.lang = locale;
    const t = currentT();
    document.title = t('app.name');
    Object.assign(studioMessages, {
      nothing: () => t('studio.nothingToGenerate'),
      saveFirst: () => t('save.failed', { reason: Object.values(useStudio.getState().saveErrors)[0] ?? '' }),
      queued: (n: number, skipped: number) =>
        t.plural('studio.queued', n) + (skipped ? ` ${t.plural('studio.skipped', skipped)}` : ''),
      allDone: () => t('studio.allDone'),
      deleted: (n: number) => t('studio.lineDeleted', { n }),
      undo: () => t('common.undo'),
      restored: (n: number) => t.plural('save.restored', n),
      resumed: (n: number, skipped: number) =>
        t.plural('recovery.resumed', n) + (skipped ? ` ${t.plural('recovery.skipped', skipped)}` : ''),
    });
  }, [locale]);
}

export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'booting' });
  const [attempt, setAttempt] = useState(0);
  const unauthorized = useConnection((s) => s.unauthorized);
  useDocumentSettings();

  useEffect(() => {
    let unwire: (() => void) | undefined;
    let cancelled = false;
    (async () => {
      const boot = await bootApi();
      if (boot.kind === 'no-token') return setPhase({ kind: 'no-token' });
      unwire = wireEvents(boot.api, (name) => toast.info(currentT()('studio.deletedElsewhere', { name }), undefined));
      await Promise.all([useSettings.getState().load(), usePolicy.getState().load()]);
      if (!cancelled) setPhase({ kind: 'ready' });
      void showRecoveryNotice();
    })().catch((err: unknown) => {
      if (!cancelled) setPhase({ kind: 'failed', message: errorMessage(err) });
    });
    const off = onUnauthorized(() => useConnection.setState({ unauthorized: true, tokenError: null }));
    return () => {
      cancelled = true;
      unwire?.();
      off();
    };
  }, [attempt]);

  /** A new access token (the restarted server's URL opened in this tab, or pasted): use it without a reload. */
  const adopt = useCallback(
    async (token: string) => {
      const t = currentT();
      let error: string | null = null;
      try {
        if (!(await switchWebToken(token))) error = t('reconnect.refused');
      } catch {
        error = t('reconnect.unreachable');
      }
      useConnection.setState({ tokenError: error, ...(error ? {} : { unauthorized: false }) });
      if (!error && phase.kind !== 'ready') setAttempt((a) => a + 1);
      return error;
    },
    [phase.kind],
  );
  useEffect(() => {
    const onHash = () => {
      const token = takeTokenFromHash();
      if (token) void adopt(token);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [adopt]);

  if (unauthorized) return <TokenScreen expired onToken={adopt} />;
  if (phase.kind === 'no-token') return <TokenScreen onToken={adopt} />;
  if (phase.kind === 'failed') return <BootFailed message={phase.message} onRetry={() => setAttempt((a) => a + 1)} />;
  if (phase.kind === 'booting') return <Splash />;
  return <Shell />;
}

function Splash() {
  const t = useT();
  return (
    <main className="center-screen" aria-busy="true">
      <div className="brand-mark large" aria-hidden="true">
        <Icon name="studio" size={28} />
      </div>
      <p className="muted">{t('app.loading')}</p>
    </main>
  );
}

function TokenScreen({
  expired = false,
  onToken,
}: {
  expired?: boolean;
  onToken(token: string): Promise<string | null>;
}) {
  const t = useT();
  const uid = useId();
  const tokenError = useConnection((s) => s.tokenError);
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const shown = error ?? tokenError;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const token = tokenFromPasted(value);
    if (!token) return setError(t('reconnect.notALink'));
    setBusy(true);
    setError(null);
    const err = await onToken(token);
    setBusy(false);
    setError(err);
  };
  return (
    <main className="center-screen">
      <div className="card token-card" role={expired ? 'alert' : undefined}>
        <div className="brand-mark large" aria-hidden="true">
          <Icon name="link" size={26} />
        </div>
        <h1>{expired ? t('token.expiredTitle') : t('token.title')}</h1>
        <p>{expired ? t('token.expiredBody') : t('token.body')}</p>
        <pre className="code-block">
          <code>timbre serve</code>
        </pre>
        <form className="token-form" onSubmit={(e) => void submit(e)} noValidate>
          <label htmlFor={`${uid}-url`} className="field-label">
            {t('reconnect.pasteLabel')}
          </label>
          <div className="token-form-row">
            <input
              id={`${uid}-url`}
              className="input"
              type="text"
              autoComplete="off"
              spellCheck={false}
              placeholder="http://127.0.0.1:PORT/#token=…"
              value={value}
              aria-invalid={shown ? true : undefined}
              aria-describedby={shown ? `${uid}-err` : undefined}
              onChange={(e) => setValue(e.target.value)}
            />
            <button type="submit" className="btn btn-primary" disabled={busy || !value.trim()}>
              {t('reconnect.go')}
            </button>
          </div>
          {shown && (
            <p id={`${uid}-err`} className="field-error" role="alert">
              {shown}
            </p>
          )}
        </form>
      </div>
    </main>
  );
}

function BootFailed({ message, onRetry }: { message: string; onRetry(): void }) {
  const t = useT();
  return (
    <main className="center-screen">
      <div className="card token-card" role="alert">
        <div className="brand-mark large danger" aria-hidden="true">
          <Icon name="alert" size={26} />
        </div>
        <h1>{t('app.bootFailed')}</h1>
        <p>{message}</p>
        <button type="button" className="btn btn-primary" onClick={onRetry}>
          {t('app.retry')}
        </button>
      </div>
    </main>
  );
}

const NAV: { view: View; icon: IconName }[] = [
  { view: 'projects', icon: 'projects' },
  { view: 'studio', icon: 'studio' },
  { view: 'voices', icon: 'voices' },
  { view: 'models', icon: 'models' },
  { view: 'settings', icon: 'settings' },
  { view: 'privacy', icon: 'lock' },
  { view: 'dub', icon: 'wave' },
];

function Shell() {
  const t = useT();
  const view = useNav((s) => s.view);
  const go = useNav((s) => s.go);
  const projectName = useStudio((s) => s.project?.name);
  const hasProject = useNav((s) => !!s.projectId);
  const connection = useConnection((s) => s.state);
  const info = useSettings((s) => s.info);
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);

  // Ctrl/Cmd+1..6 switch views.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      const i = Number(e.key) - 1;
      if (i >= 0 && i < VIEWS.length) {
        e.preventDefault();
        go(VIEWS[i]);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);

  // Move focus to the new view's heading region for keyboard and screen-reader users.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    if (!mainRef.current?.contains(document.activeElement)) mainRef.current?.focus({ preventScroll: true });
  }, [view]);

  const label = (v: View) => t(`nav.${v}`);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <nav className="sidebar" aria-label={t('nav.label')}>
        <div className="brand">
          <div className="brand-mark" aria-hidden="true">
            <Icon name="studio" size={18} />
          </div>
          <div>
            <div className="brand-name">{t('app.name')}</div>
            <div className="brand-tagline">{t('app.tagline')}</div>
          </div>
        </div>
        <ul className="nav-list">
          {NAV.map(({ view: v, icon }, i) => (
            <li key={v}>
              <button
                type="button"
                className={`nav-item${view === v ? ' active' : ''}`}
                aria-current={view === v ? 'page' : undefined}
                aria-keyshortcuts={`Control+${i + 1}`}
                onClick={() => go(v)}
              >
                <Icon name={icon} size={18} />
                <span className="nav-text">
                  {label(v)}
                  {v === 'studio' && hasProject && projectName && (
                    <span className="nav-sub" title={projectName}>
                      {projectName}
                    </span>
                  )}
                </span>
              </button>
            </li>
          ))}
        </ul>
        <div className="sidebar-footer">
          <span className={`conn-dot ${connection === 'open' ? 'ok' : 'warn'}`} aria-hidden="true" />
          <span>{connection === 'open' ? t('nav.connected') : t('nav.offline')}</span>
          {info && <span className="sidebar-version">{t('nav.version', { version: info.version })}</span>}
        </div>
      </nav>
      <main id="main" ref={mainRef} tabIndex={-1} className="main">
        <MicIndicator />
        {connection === 'reconnecting' && (
          <div className="banner banner-warn reconnect-banner" role="status">
            <span className="spinner" aria-hidden="true" />
            {t('app.reconnecting')}
          </div>
        )}
        {view === 'projects' && <ProjectsView />}
        {view === 'studio' && <StudioView />}
        {view === 'voices' && <VoicesView />}
        {view === 'models' && <ModelsView />}
        {view === 'settings' && <SettingsView />}
        {view === 'privacy' && <PrivacyView />}
        {view === 'dub' && <DubView />}
      </main>
      <Toasts />
    </div>
  );
}
