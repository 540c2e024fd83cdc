/**
 * Settings → Local API: where the API answers (and a plain warning while other computers can reach it), the API
 * keys (create: shown once with a copy button; revoke with a confirmation) and the log of calls made with keys.
 */
import { useEffect, useState } from 'react';
import { create } from 'zustand';
import type { ApiKey, ApiKeyScope, ApiLogEntry, ApiServerStatus } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useT } from '../../i18n/useT';
import { PolicyNote } from '../policy/PolicyNote';
import { usePolicy } from '../policy/policy';
import { announce, toast } from '../../store/toasts';

interface ApiState {
  status: ApiServerStatus | null;
  keys: ApiKey[];
  log: ApiLogEntry[];
  load(): Promise<void>;
  create(name: string, scope: ApiKeyScope): Promise<string | null>;
  revoke(id: string): Promise<void>;
  setRemote(address: string | null): Promise<void>;
}

/** The panel's store slice. */
export const useApiPanel = create<ApiState>((set, get) => ({
  status: null,
  keys: [],
  log: [],
  async load() {
    try {
      const [status, keys, log] = await Promise.all([
        api().call('apiServer.status', {}),
        api().call('apiKeys.list', {}),
        api().call('apiLog.list', { limit: 50 }),
      ]);
      set({ status, keys, log });
    } catch (err) {
      toast.error(errorMessage(err));
    }
  },
  async create(name, scope) {
    try {
      const r = await api().call('apiKeys.create', { name, scope });
      set({ keys: [r.apiKey, ...get().keys] });
      return r.key;
    } catch (err) {
      toast.error(errorMessage(err));
      return null;
    }
  },
  async setRemote(address) {
    try {
      set({ status: await api().call('apiServer.setRemote', { address }) });
    } catch (err) {
      toast.error(errorMessage(err));
    }
  },
  async revoke(id) {
    try {
      const k = await api().call('apiKeys.revoke', { id });
      set({ keys: get().keys.map((x) => (x.id === id ? k : x)) });
    } catch (err) {
      toast.error(errorMessage(err));
    }
  },
}));

export function ApiPanel() {
  const t = useT();
  const { status, keys, log, load, create: createKey, revoke, setRemote } = useApiPanel();
  const [address, setAddress] = useState('0.0.0.0');
  const [confirmRemote, setConfirmRemote] = useState(false);
  const fixed = usePolicy((st) => st.info.policy);
  const apiOff = fixed.localApi === false;
  const remoteOff = apiOff || fixed.remoteApi === false;
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ApiKeyScope>('speech');
  const [shown, setShown] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  useEffect(() => {
    void load();
  }, [load]);
  const when = (iso: string) => new Date(iso).toLocaleString(t.locale);

  const submit = async () => {
    if (!name.trim() || busy) return;
    setBusy(true);
    const key = await createKey(name.trim(), scope);
    setBusy(false);
    if (key) {
      setShown(key);
      setName('');
    }
  };

  return (
    <section className="card settings-card api-panel" aria-labelledby="api-title">
      <h2 id="api-title" className="card-heading">
        {t('api.title')}
      </h2>
      <p className="field-hint">{t('api.hint')}</p>
      {status?.baseUrl ? (
        <dl className="about-list">
          <div>
            <dt>{t('api.baseUrl')}</dt>
            <dd>
              <code>{status.baseUrl}</code>
            </dd>
          </div>
        </dl>
      ) : (
        <p className="field-hint">{t('api.notServing')}</p>
      )}
      {status?.remote ? (
        <p className="api-remote-warning" role="alert">
          {t('api.remote', { address: status.listen ?? '' })}
        </p>
      ) : status?.baseUrl ? (
        <p className="field-hint">{t('api.local')}</p>
      ) : null}
      {status?.baseUrl && (
        <div className="api-remote">
          <label className="checkbox-row">
            <input
              type="checkbox"
              disabled={remoteOff}
              aria-describedby={remoteOff ? 'api-remote-policy' : undefined}
              checked={status.remote}
              onChange={(e) => {
                if (e.target.checked) setConfirmRemote(true);
                else void setRemote(null);
              }}
            />
            <span>{t('api.allowRemote')}</span>
          </label>
          {remoteOff && <PolicyNote id="api-remote-policy" />}
          <p className="field-hint">{t('api.allowRemoteHint')}</p>
          {!status.remote && !remoteOff && (
            <label className="field">
              <span className="field-label">{t('api.address')}</span>
              <input
                className="input"
                value={address}
                maxLength={39}
                onChange={(e) => setAddress(e.target.value.trim())}
              />
            </label>
          )}
        </div>
      )}

      <h3 className="field-label">{t('api.keys')}</h3>
      {shown && (
        <div className="api-new-key" role="status">
          <p>{t('api.created')}</p>
          <code aria-label={t('api.keys')}>{shown}</code>
          <div className="api-actions">
            <button
              type="button"
              className="btn"
              onClick={() => {
                void navigator.clipboard?.writeText(shown).then(() => announce(t('api.copied')));
              }}
            >
              {t('api.copy')}
            </button>
            <button type="button" className="btn btn-primary" onClick={() => setShown(null)}>
              {t('api.done')}
            </button>
          </div>
        </div>
      )}
      <form
        className="api-create"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label className="field">
          <span className="field-label">{t('api.keyName')}</span>
          <input
            className="input"
            value={name}
            maxLength={100}
            placeholder={t('api.keyNamePlaceholder')}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">{t('api.scope')}</span>
          <select className="input select" value={scope} onChange={(e) => setScope(e.target.value as ApiKeyScope)}>
            <option value="speech">{t('api.scope.speech')}</option>
            <option value="full">{t('api.scope.full')}</option>
          </select>
        </label>
        <button
          type="submit"
          className="btn btn-primary"
          disabled={!name.trim() || busy || apiOff}
          aria-describedby={apiOff ? 'api-create-policy' : undefined}
        >
          {t('api.create')}
        </button>
      </form>
      {apiOff && (
        <>
          <p className="field-hint">{t('policy.apiOff')}</p>
          <PolicyNote id="api-create-policy" />
        </>
      )}
      {keys.length === 0 ? (
        <p className="field-hint">{t('api.noKeys')}</p>
      ) : (
        <ul className="api-key-list" aria-label={t('api.keys')}>
          {keys.map((k) => (
            <li key={k.id} className={k.revokedAt ? 'revoked' : ''}>
              <span className="api-key-name">{k.name}</span>
              <code>{k.prefix}</code>
              <span>{t(`api.scope.${k.scope}`)}</span>
              <span className="field-hint">
                {k.revokedAt
                  ? t('api.revoked')
                  : k.lastUsedAt
                    ? t('api.lastUsed', { when: when(k.lastUsedAt) })
                    : t('api.neverUsed')}
              </span>
              {!k.revokedAt && (
                <button
                  type="button"
                  className="btn btn-ghost"
                  aria-label={`${t('api.revoke')} ${k.name}`}
                  onClick={() => setRevoking(k)}
                >
                  {t('api.revoke')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}

      <div className="api-log-head">
        <h3 className="field-label">{t('api.log')}</h3>
        <button type="button" className="btn btn-ghost" onClick={() => void load()}>
          {t('api.refresh')}
        </button>
      </div>
      {log.length === 0 ? (
        <p className="field-hint">{t('api.noLog')}</p>
      ) : (
        <div className="api-log-scroll">
          <table className="api-log" aria-label={t('api.log')}>
            <thead>
              <tr>
                <th>{t('api.logWhen')}</th>
                <th>{t('api.logKey')}</th>
                <th>{t('api.logCall')}</th>
                <th>{t('api.logStatus')}</th>
                <th>{t('api.logFrom')}</th>
              </tr>
            </thead>
            <tbody>
              {log.map((e) => (
                <tr key={e.id}>
                  <td>{when(e.at)}</td>
                  <td>{e.keyName}</td>
                  <td>
                    <code>
                      {e.method} {e.path}
                    </code>
                  </td>
                  <td>{e.status}</td>
                  <td>{e.remote}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <ConfirmDialog
        open={confirmRemote}
        title={t('api.remoteTitle')}
        confirmLabel={t('api.remoteConfirm')}
        danger
        onConfirm={() => {
          setConfirmRemote(false);
          void setRemote(address || '0.0.0.0');
        }}
        onClose={() => setConfirmRemote(false)}
      >
        <p>{t('api.remoteBody')}</p>
      </ConfirmDialog>

      <ConfirmDialog
        open={revoking !== null}
        title={t('api.revokeTitle', { name: revoking?.name ?? '' })}
        confirmLabel={t('api.revoke')}
        danger
        onConfirm={() => {
          const k = revoking;
          setRevoking(null);
          if (k) void revoke(k.id).then(() => announce(t('api.revoked')));
        }}
        onClose={() => setRevoking(null)}
      >
        <p>{t('api.revokeBody')}</p>
      </ConfirmDialog>
    </section>
  );
}
