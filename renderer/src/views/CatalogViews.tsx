import { useEffect, useMemo } from 'react';
import { EmptyState } from '../components/EmptyState';
import { Icon } from '../components/Icon';
import { languageName } from '../components/VoicePicker';
import { useT } from '../i18n/useT';
import { useCatalog } from '../store/catalog';

function CatalogState() {
  const t = useT();
  const { status, error, load } = useCatalog();
  if (status === 'loading' || status === 'idle')
    return (
      <div className="loading-block" aria-busy="true">
        <span className="spinner" aria-hidden="true" />
        {t('common.loading')}
      </div>
    );
  if (status === 'error')
    return (
      <div className="banner banner-error" role="alert">
        <Icon name="alert" size={16} />
        <span>{t('error.generic', { message: error ?? '' })}</span>
        <button type="button" className="btn btn-sm" onClick={() => void load(true)}>
          {t('common.retry')}
        </button>
      </div>
    );
  return null;
}

export function VoicesView() {
  const t = useT();
  const { voices, engines, status, load } = useCatalog();
  useEffect(() => {
    void load(true);
  }, [load]);
  const groups = useMemo(() => {
    const m = new Map<string, typeof voices>();
    for (const v of voices) m.set(v.language, [...(m.get(v.language) ?? []), v]);
    return [...m.entries()]
      .map(([lang, list]) => ({ lang, name: languageName(lang, t.locale), list }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }, [voices, t.locale]);
  const engineName = (id: string) => engines.find((e) => e.id === id)?.name ?? id;

  return (
    <section className="view" aria-labelledby="voices-title">
      <header className="view-header">
        <div>
          <h1 id="voices-title">
            {t('voices.title')} <span className="badge">{t('common.comingSoon')}</span>
          </h1>
          <p className="subtitle">{t('voices.subtitle')}</p>
        </div>
      </header>
      <CatalogState />
      {status === 'ready' && voices.length === 0 && <EmptyState icon="voices" title={t('voices.empty')} />}
      {groups.map((g) => (
        <section key={g.lang} className="catalog-group" aria-labelledby={`lang-${g.lang}`}>
          <h2 id={`lang-${g.lang}`} className="group-title">
            {g.name} <span className="muted">· {t.plural('voices.count', g.list.length)}</span>
          </h2>
          <ul className="card-grid">
            {g.list.map((v) => (
              <li key={v.id} className="card voice-card">
                <div className="avatar" aria-hidden="true">
                  {v.name.slice(0, 1)}
                </div>
                <div>
                  <div className="card-title">{v.name}</div>
                  <div className="muted small">
                    {t(`voice.gender.${v.gender}`)} · {engineName(v.engineId)}
                  </div>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}
