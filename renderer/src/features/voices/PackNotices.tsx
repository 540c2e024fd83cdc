import { useEffect } from 'react';
import { isApiError } from '../../api';
import { Icon } from '../../components/Icon';
import { useT } from '../../i18n/useT';
import { useModels } from '../../store/models';
import { useNav } from '../../store/nav';

/**
 * At the start of the new-voice wizard: with no voice-cloning pack installed, say so before any work is done, and
 * offer the one click that gets it (the Models view, where the pack downloads or imports).
 */
export function CloningNotice({ onOpenModels }: { onOpenModels(): void }) {
  const t = useT();
  const packs = useModels((s) => s.packs);
  const status = useModels((s) => s.status);
  const load = useModels((s) => s.load);
  useEffect(() => {
    void load();
  }, [load]);
  if (status !== 'ready') return null;
  if (packs.some((p) => p.cloning && p.status === 'installed' && !p.needsVerification)) return null;
  const pack = packs.find((p) => p.cloning);
  return (
    <div className="banner banner-warn pack-notice" role="note">
      <Icon name="info" size={16} />
      <span>{t('clone.noPack')}</span>
      <button type="button" className="btn btn-sm" onClick={onOpenModels}>
        {pack ? t('clone.getPack', { name: pack.name }) : t('clone.openModels')}
      </button>
    </div>
  );
}

/** The packs a failed call says are missing (ENGINE_UNAVAILABLE with `details.missingPacks`), or null. */
export function missingPacks(err: unknown): string[] | null {
  if (!isApiError(err, 'ENGINE_UNAVAILABLE')) return null;
  const packs = (err.details as { missingPacks?: unknown } | undefined)?.missingPacks;
  return Array.isArray(packs) && packs.every((p) => typeof p === 'string') ? packs : null;
}

/** "Timbre needs its speech-detection pack…": a plain sentence and the one click to the Models view. */
export function MissingPacksNotice({ packs, onOpenModels }: { packs: string[]; onOpenModels(): void }) {
  const t = useT();
  const catalog = useModels((s) => s.packs);
  const names = packs.map((id) => catalog.find((p) => p.id === id)?.name ?? id).join(', ');
  return (
    <div className="banner banner-warn pack-notice" role="alert">
      <Icon name="alert" size={16} />
      <span>{t('clone.needsPacks', { names })}</span>
      <button type="button" className="btn btn-sm" onClick={onOpenModels}>
        {t('clone.openModels')}
      </button>
    </div>
  );
}

/** Leave a dialog for the Models view. */
export const openModels = (close: () => void) => {
  close();
  useNav.getState().go('models');
};
