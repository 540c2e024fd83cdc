import { useId, useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../api';
import { Icon } from '../../components/Icon';
import { useT } from '../../i18n/useT';
import { announce } from '../../store/toasts';
import { useVault } from '../../store/voices';

/** Shown when a voice call failed with VAULT_LOCKED: unlock the encrypted voice data with a passphrase. */
export function VaultUnlock() {
  const t = useT();
  const uid = useId();
  const locked = useVault((s) => s.locked);
  const [pass, setPass] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!locked) return null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api().call('vault.unlock', { passphrase: pass });
      useVault.setState({ locked: null });
      setPass('');
      announce(t('vault.unlocked'));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="vault-unlock card" aria-labelledby={`${uid}-t`} onSubmit={(e) => void submit(e)} noValidate>
      <h3 id={`${uid}-t`} className="review-heading">
        <Icon name="alert" size={16} />
        {t('vault.title')}
      </h3>
      {/* The server's reason (keychain, D-Bus …) is for logs: the person reads what to do. */}
      <p className="small">{t('vault.body')}</p>
      <div className="import-row">
        <label htmlFor={`${uid}-p`} className="sr-only">
          {t('vault.passphrase')}
        </label>
        <input
          id={`${uid}-p`}
          type="password"
          className="input"
          autoComplete="current-password"
          placeholder={t('vault.passphrase')}
          value={pass}
          onChange={(e) => setPass(e.target.value)}
        />
        <button type="submit" className="btn btn-primary" disabled={busy || pass.length < 8}>
          {busy ? t('vault.unlocking') : t('vault.unlock')}
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
