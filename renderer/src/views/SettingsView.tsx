import type { Settings } from '../../../preload/contract';
import { useT } from '../i18n/useT';
import { useSettings } from '../store/settings';
import { announce } from '../store/toasts';
import { isMac } from './ProjectsView';

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
    [`${mod}+1 … 5`, t('shortcut.navigate')],
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
