import { useT } from '../../i18n/useT';
import { usePolicy } from './policy';

/**
 * "Set by your organization": shown next to a control a managed policy fixes (the control itself is disabled).
 * `id` lets the control point at it with aria-describedby.
 */
export function PolicyNote({ id }: { id?: string }) {
  const t = useT();
  const source = usePolicy((s) => s.info.source);
  return (
    <p className="policy-note" id={id} title={source ? t('policy.source', { file: source }) : undefined}>
      {t('policy.setByOrg')}
    </p>
  );
}
