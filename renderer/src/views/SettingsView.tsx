import { useEffect } from 'react';
import { ExecutionProvider, type Settings } from '../../../preload/contract/index.js';
import type { MessageKey } from '../i18n';
import { useT } from '../i18n/useT';
import { useModels } from '../store/models';
import { VIEWS } from '../store/nav';
import { useSettings } from '../store/settings';
import { announce } from '../store/toasts';
import { isMac } from './ProjectsView';
import { ApiPanel } from '../features/api/ApiPanel';
import { UpdatesPanel } from '../features/updates/UpdatesPanel';

const THEMES: Settings['theme'][] = ['system', 'light', 'dark'];
const LOCALES: { id: Settings['locale']; label: string }[] = [
  { id: 'en', label: 'English' },
  { id: 'zh-CN', label: '简体中文' },
];

export function SettingsView() {
  const t = useT();
  const settings = useSettings((s) => s.settings);
  const info = useSettings((s) => s.info);
  const update = useSettings((s) => s.update);
  const mod = isMac ? '⌘' : 'Ctrl';

  const save = async (patch: Partial<Settings>) => {
    if (await update(patch)) announce(t('settings.saved'));
  };

  const shortcuts: [string, string][] = [
    [`${mod}+N`, t('shortcut.newProject')],
    ['Enter', t('shortcut.addLine')],
    ['Alt+↑ / Alt+↓', t('shortcut.moveLine')],
    [`${mod}+Enter`, t('shortcut.generateLine')],
    [`${mod}+Shift+Enter`, t('shortcut.generateAll')],
    [`${mod}+1 … ${VIEWS.length}`, t('shortcut.navigate')],
  ];

  return (
    <section className="view" aria-labelledby="settings-title">
      <header className="view-header">
        <div>
          <h1 id="settings-title">{t('settings.title')}</h1>
          <p className="subtitle">{t('settings.subtitle')}</p>
        </div>
      </header>

      <div className="settings-grid">
        <section className="card settings-card" aria-labelledby="appearance-title">
          <h2 id="appearance-title" className="card-heading">
            {t('settings.appearance')}
          </h2>
          <fieldset className="field">
            <legend className="field-label">{t('settings.theme')}</legend>
            <div className="segmented">
              {THEMES.map((theme) => (
                <label key={theme} className={settings.theme === theme ? 'selected' : ''}>
                  <input
                    type="radio"
                    name="theme"
                    value={theme}
                    checked={settings.theme === theme}
                    onChange={() => void save({ theme })}
                  />
                  <span>{t(`settings.theme.${theme}`)}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <div className="field">
            <label htmlFor="locale" className="field-label">
              {t('settings.language')}
            </label>
            <select
              id="locale"
              className="input select"
              value={settings.locale}
              aria-describedby="locale-hint"
              onChange={(e) => void save({ locale: e.target.value as Settings['locale'] })}
            >
              {LOCALES.map((l) => (
                <option key={l.id} value={l.id} lang={l.id}>
                  {l.label}
                </option>
              ))}
            </select>
            <p id="locale-hint" className="hint">
              {t('settings.languageHint')}
            </p>
          </div>
        </section>

        <InferenceSettings save={save} />

        <GenerationSettings save={save} />

        <ApiPanel />

        <UpdatesPanel />

        <section className="card settings-card" aria-labelledby="shortcuts-title">
          <h2 id="shortcuts-title" className="card-heading">
            {t('settings.shortcuts')}
          </h2>
          <dl className="shortcut-list">
            {shortcuts.map(([keys, what]) => (
              <div key={keys} className="shortcut-row">
                <dt>
                  <kbd>{keys}</kbd>
                </dt>
                <dd>{what}</dd>
              </div>
            ))}
          </dl>
        </section>

        {info && (
          <section className="card settings-card" aria-labelledby="about-title">
            <h2 id="about-title" className="card-heading">
              {t('settings.about')}
            </h2>
            <dl className="about-list">
              <div>
                <dt>{t('settings.version')}</dt>
                <dd>
                  {info.name} {info.version}
                </dd>
              </div>
              <div>
                <dt>{t('settings.transport')}</dt>
                <dd>{t(`settings.transport.${info.transport}`)}</dd>
              </div>
              <div>
                <dt>{t('settings.dataDir')}</dt>
                <dd>
                  <code>{info.dataDir}</code>
                </dd>
              </div>
            </dl>
          </section>
        )}
      </div>
    </section>
  );
}

type Provider = Settings['executionProvider'];
const isProvider = (name: string): name is Provider => (ExecutionProvider.options as readonly string[]).includes(name);
const THREADS_MAX = 64;

/** Execution provider and thread count for the neural engines (read when the next generation starts). */
function InferenceSettings({ save }: { save(patch: Partial<Settings>): Promise<void> }) {
  const t = useT();
  const provider = useSettings((s) => s.settings.executionProvider);
  const threads = useSettings((s) => s.settings.inferenceThreads);
  const runtime = useModels((s) => s.runtime);
  const loadRuntime = useModels((s) => s.loadRuntime);
  useEffect(() => {
    void loadRuntime();
  }, [loadRuntime]);

  const providerName = (p: Provider) => t(`settings.provider.${p}` as MessageKey);
  const options: { value: Provider; label: string }[] = [
    { value: 'auto', label: providerName('auto') },
    { value: 'cpu', label: providerName('cpu') },
  ];
  for (const p of runtime?.providers ?? []) {
    if (p.name === 'cpu' || !isProvider(p.name)) continue;
    options.push({
      value: p.name,
      label: p.bundled ? providerName(p.name) : t('settings.provider.needsDrivers', { name: providerName(p.name) }),
    });
  }
  // A choice saved on another machine (or before a driver went away) stays visible instead of silently changing.
  if (!options.some((o) => o.value === provider))
    options.push({ value: provider, label: t('settings.provider.missing', { name: providerName(provider) }) });

  const cores = runtime?.cores ?? Math.max(1, navigator.hardwareConcurrency || 1);
  const maxThreads = Math.min(cores, THREADS_MAX);
  const threadChoices = Array.from({ length: maxThreads }, (_, i) => i + 1);
  if (threads !== null && threads > maxThreads) threadChoices.push(threads);

  return (
    <section className="card settings-card" aria-labelledby="inference-title" aria-describedby="inference-hint">
      <h2 id="inference-title" className="card-heading">
        {t('settings.inference')}
      </h2>
      <p id="inference-hint" className="settings-note">
        {t('settings.inferenceHint')}
      </p>
      <div className="field">
        <label htmlFor="execution-provider" className="field-label">
          {t('settings.provider')}
        </label>
        <select
          id="execution-provider"
          className="input select"
          value={provider}
          aria-describedby="provider-hint"
          onChange={(e) => void save({ executionProvider: e.target.value as Provider })}
        >
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
        <p id="provider-hint" className="hint">
          {t('settings.providerHint')}
        </p>
      </div>
      <div className="field">
        <label htmlFor="inference-threads" className="field-label">
          {t('settings.threads')}
        </label>
        <select
          id="inference-threads"
          className="input select"
          value={threads === null ? 'auto' : String(threads)}
          aria-describedby="threads-hint"
          onChange={(e) => void save({ inferenceThreads: e.target.value === 'auto' ? null : Number(e.target.value) })}
        >
          <option value="auto">
            {runtime ? t('settings.threadsAutoCores', { cores: runtime.cores }) : t('settings.threadsAuto')}
          </option>
          {threadChoices.map((n) => (
            <option key={n} value={String(n)}>
              {n.toLocaleString(t.locale)}
            </option>
          ))}
        </select>
        <p id="threads-hint" className="hint">
          {t('settings.threadsHint')}
        </p>
      </div>
    </section>
  );
}

/** What happens to generation interrupted by a crash or quit. */
function GenerationSettings({ save }: { save(patch: Partial<Settings>): Promise<void> }) {
  const t = useT();
  const resume = useSettings((s) => s.settings.resumeInterruptedJobs);
  return (
    <section className="card settings-card" aria-labelledby="generation-title">
      <h2 id="generation-title" className="card-heading">
        {t('settings.generation')}
      </h2>
      <label className="checkbox-row">
        <input
          type="checkbox"
          checked={resume}
          aria-describedby="resume-jobs-hint"
          onChange={(e) => void save({ resumeInterruptedJobs: e.target.checked })}
        />
        {t('settings.resumeJobs')}
      </label>
      <p id="resume-jobs-hint" className="hint">
        {t('settings.resumeJobsHint')}
      </p>
    </section>
  );
}
