import { Icon } from '../../components/Icon';
import { useT } from '../../i18n/useT';
import { micOpen, useRecorder } from '../../store/voices';

/**
 * A red "microphone on" indicator whenever the main process has the microphone open: a bar at the top of the app,
 * and (inline) in the header of the new-voice wizard, which as a modal dialog covers the app.
 */
export function MicIndicator({ inline = false }: { inline?: boolean }) {
  const t = useT();
  const status = useRecorder((s) => s.status);
  if (!micOpen(status)) return null;
  const paused = status.state === 'paused';
  return (
    <div
      className={`mic-indicator${inline ? ' inline' : ''}${paused ? ' paused' : ''}`}
      role="status"
      data-testid={inline ? 'mic-indicator-inline' : 'mic-indicator'}
    >
      <span className="rec-dot" aria-hidden="true" />
      <Icon name="voices" size={15} />
      {paused ? t('rec.micOnPaused') : t('rec.micOn')}
    </div>
  );
}
