import { Icon } from '../../components/Icon';
import { useT } from '../../i18n/useT';
import { useVoicePreview } from './preview';

/** "Listen to <voice>": plays the voice's preview sentence; pressed again, stops it. */
export function PreviewButton({ voiceId, name, small }: { voiceId: string; name: string; small?: boolean }) {
  const t = useT();
  const mine = useVoicePreview((s) => (s.voiceId === voiceId ? s.phase : 'idle'));
  const toggle = useVoicePreview((s) => s.toggle);
  return (
    <button
      type="button"
      className={`icon-btn preview-btn${small ? ' small' : ''}`}
      aria-label={mine === 'idle' ? t('listen.voice', { name }) : t('listen.stop', { name })}
      aria-pressed={mine !== 'idle'}
      aria-busy={mine === 'loading' || undefined}
      title={mine === 'idle' ? t('listen.voice', { name }) : t('listen.stop', { name })}
      onMouseDown={(e) => e.preventDefault() /* keep focus where it is (the picker's search box) */}
      onClick={() => void toggle(voiceId)}
    >
      {mine === 'loading' ? (
        <span className="spinner" aria-hidden="true" />
      ) : (
        <Icon name={mine === 'playing' ? 'stop' : 'headphones'} size={small ? 14 : 16} />
      )}
    </button>
  );
}
