import { useMemo, useState } from 'react';
import { useT } from '../../i18n/useT';
import { useStudio } from '../../store/studio';
import { Icon } from '../Icon';
import { VoicePicker } from '../VoicePicker';
import { speakerStyle } from './ImportDialog';

/** Map each speaker to a voice once per project; lines of that speaker use it (a line's own voice wins). */
export function SpeakersPanel() {
  const t = useT();
  const project = useStudio((s) => s.project);
  const lines = useStudio((s) => s.lines);
  const [name, setName] = useState('');

  const speakers = useMemo(() => {
    const list = [...(project?.speakers ?? [])];
    const known = new Set(list.map((s) => s.name));
    for (const l of lines)
      if (l.speaker && !known.has(l.speaker)) {
        known.add(l.speaker);
        list.push({ name: l.speaker, voiceId: null });
      }
    return list;
  }, [project?.speakers, lines]);
  const counts = useMemo(() => {
    const c = new Map<string, number>();
    for (const l of lines) if (l.speaker) c.set(l.speaker, (c.get(l.speaker) ?? 0) + 1);
    return c;
  }, [lines]);

  if (!project) return null;
  const save = (next: { name: string; voiceId: string | null }[]) => useStudio.getState().setSpeakers(next);
  const add = async () => {
    const n = name.trim();
    if (!n || speakers.some((s) => s.name === n)) return;
    if (await save([...speakers, { name: n, voiceId: null }])) setName('');
  };

  return (
    <section className="side-panel" aria-labelledby="speakers-title">
      <div className="side-panel-head">
        <h2 id="speakers-title" className="side-panel-title">
          <Icon name="users" size={15} />
          {t('speakers.title')}
        </h2>
      </div>
      {speakers.length === 0 && <p className="side-empty">{t('speakers.empty')}</p>}
      <ul className="speaker-list">
        {speakers.map((s) => (
          <li key={s.name} className="speaker-item" style={speakerStyle(s.name)}>
            <span className="speaker-swatch" aria-hidden="true" />
            <span className="speaker-name">
              <strong>{s.name}</strong>
              <span className="muted">{t.plural('speakers.lines', counts.get(s.name) ?? 0)}</span>
            </span>
            <VoicePicker
              compact
              value={s.voiceId}
              label={t('speakers.voiceFor', { name: s.name })}
              noneLabel={t('studio.useProjectVoice')}
              onChange={(v) => void save(speakers.map((x) => (x.name === s.name ? { ...x, voiceId: v } : x)))}
            />
            {!counts.get(s.name) && (
              <button
                type="button"
                className="icon-btn icon-btn-danger btn-sm"
                aria-label={t('speakers.remove', { name: s.name })}
                title={t('speakers.remove', { name: s.name })}
                onClick={() => void save(speakers.filter((x) => x.name !== s.name))}
              >
                <Icon name="x" size={14} />
              </button>
            )}
          </li>
        ))}
      </ul>
      <form
        className="speaker-add"
        onSubmit={(e) => {
          e.preventDefault();
          void add();
        }}
      >
        <input
          className="input"
          value={name}
          maxLength={60}
          placeholder={t('speakers.newPlaceholder')}
          aria-label={t('speakers.newLabel')}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" className="btn btn-sm" disabled={!name.trim()}>
          <Icon name="plus" size={14} />
          {t('speakers.add')}
        </button>
      </form>
    </section>
  );
}
