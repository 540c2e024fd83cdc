import { useEffect, useId, useRef, useState } from 'react';
import type { Take } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { useT } from '../../i18n/useT';
import { useCatalog } from '../../store/catalog';
import { useStudio } from '../../store/studio';
import { ConfirmDialog } from '../ConfirmDialog';
import { Icon } from '../Icon';
import { formatTime } from '../TakePlayer';

/** A position this close to a take's end does not carry over to the other take (it would end at once). */
const AB_END_MARGIN = 0.25;

/** Take history of the current line: choose the active take, compare two takes A/B, delete takes in bulk. */
export function TakesPanel() {
  // A fresh panel per line: playback, marks and the A/B choice never leak to another line.
  const lineId = useStudio((s) => s.current);
  return <LineTakes key={lineId ?? ''} />;
}

function LineTakes() {
  const t = useT();
  const uid = useId();
  const lineId = useStudio((s) => s.current);
  const line = useStudio((s) => s.lines.find((l) => l.id === s.current) ?? null);
  const n = useStudio((s) => s.lines.findIndex((l) => l.id === s.current) + 1);
  const rev = useStudio((s) => s.takesRev);
  const voices = useCatalog((s) => s.voices);
  const activeTakeId = line?.activeTakeId ?? null;
  const [takes, setTakes] = useState<Take[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [marked, setMarked] = useState<Record<string, true>>({});
  const [confirm, setConfirm] = useState(false);
  const [a, setA] = useState<string | null>(null);
  const [b, setB] = useState<string | null>(null);
  const [playing, setPlaying] = useState<'A' | 'B' | null>(null);
  const [single, setSingle] = useState<string | null>(null);
  const audioA = useRef<HTMLAudioElement>(null);
  const audioB = useRef<HTMLAudioElement>(null);
  const audioOne = useRef<HTMLAudioElement>(null);

  useEffect(() => {
    if (!lineId || lineId.startsWith('tmp-')) return;
    let stale = false;
    api()
      .call('takes.list', { lineId })
      .then((list) => {
        if (stale) return;
        const sorted = [...list].sort((x, y) => y.createdAt.localeCompare(x.createdAt));
        setTakes(sorted);
        setError(null);
        setMarked({});
        const active = sorted.find((x) => x.id === activeTakeId) ?? sorted[0];
        setA(active?.id ?? null);
        setB(sorted.find((x) => x.id !== active?.id)?.id ?? null);
      })
      .catch((err: unknown) => !stale && setError(errorMessage(err)));
    return () => {
      stale = true;
    };
  }, [lineId, rev, activeTakeId, line?.activeTake?.id]);

  const numberOf = (id: string) => takes.length - takes.findIndex((x) => x.id === id);
  /** Seconds of a take: the stored length, or the loaded file's when shorter. */
  const lengthOf = (id: string | null, el: HTMLAudioElement | null) => {
    const stored = (takes.find((x) => x.id === id)?.durationMs ?? 0) / 1000;
    return el && Number.isFinite(el.duration) && el.duration > 0
      ? Math.min(stored || el.duration, el.duration)
      : stored;
  };
  /**
   * Play A or B. Switching while the other take plays keeps the position only when it lies inside both takes (with
   * a short margin before either end); otherwise the take starts from its beginning. Pressing the button of the take
   * already playing keeps it playing; pressing it again after it ended plays it again.
   */
  const switchTo = (which: 'A' | 'B') => {
    const from = which === 'A' ? audioB.current : audioA.current;
    const to = which === 'A' ? audioA.current : audioB.current;
    if (!to) return;
    audioOne.current?.pause();
    setSingle(null);
    if (playing === which && !to.paused && !to.ended) return;
    const at = playing && playing !== which && from ? from.currentTime : null;
    from?.pause();
    const fromLen = lengthOf(which === 'A' ? b : a, from);
    const toLen = lengthOf(which === 'A' ? a : b, to);
    const inside = at !== null && Number.isFinite(at) && at < fromLen - AB_END_MARGIN && at < toLen - AB_END_MARGIN;
    to.currentTime = inside ? at : 0;
    void to.play().catch(() => setError(t('player.loadFailed')));
    setPlaying(which);
  };
  const stopAb = () => {
    audioA.current?.pause();
    audioB.current?.pause();
    setPlaying(null);
  };
  const playOne = (id: string) => {
    stopAb();
    const el = audioOne.current;
    if (!el) return;
    if (single === id && !el.paused) {
      el.pause();
      setSingle(null);
      return;
    }
    el.src = api().takeAudioUrl(id);
    void el.play().catch(() => setError(t('player.loadFailed')));
    setSingle(id);
  };
  const markedIds = Object.keys(marked);
  const voiceName = (id: string) => voices.find((v) => v.id === id)?.name ?? id.split(':').pop();

  return (
    <section className="side-panel" aria-labelledby={`${uid}-title`}>
      <div className="side-panel-head">
        <h2 id={`${uid}-title`} className="side-panel-title">
          <Icon name="layers" size={15} />
          {n > 0 ? t('takes.titleLine', { n }) : t('takes.title')}
        </h2>
        {takes.length > 0 && <span className="badge">{takes.length}</span>}
      </div>
      {!line && <p className="side-empty">{t('takes.pickLine')}</p>}
      {line && takes.length === 0 && !error && <p className="side-empty">{t('takes.none')}</p>}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <audio ref={audioOne} onEnded={() => setSingle(null)} onPause={() => setSingle(null)} />
      {takes.length > 0 && (
        <>
          <div role="radiogroup" aria-label={t('takes.activeGroup', { n })}>
            <ul className="take-list">
              {takes.map((take) => {
                const k = numberOf(take.id);
                const active = take.id === activeTakeId;
                return (
                  <li key={take.id} className={`take-item${active ? ' active' : ''}`} data-take-id={take.id}>
                    <input
                      type="checkbox"
                      checked={!!marked[take.id]}
                      aria-label={t('takes.mark', { k })}
                      onChange={() =>
                        setMarked((m) => {
                          const next = { ...m };
                          if (next[take.id]) delete next[take.id];
                          else next[take.id] = true;
                          return next;
                        })
                      }
                    />
                    <button
                      type="button"
                      className="play-btn mini-play"
                      aria-label={single === take.id ? t('takes.pause', { k }) : t('takes.play', { k })}
                      aria-pressed={single === take.id}
                      onClick={() => playOne(take.id)}
                    >
                      <Icon name={single === take.id ? 'pause' : 'play'} size={13} />
                    </button>
                    <span className="take-desc" title={take.spokenText}>
                      <strong>{t('takes.take', { k })}</strong>
                      <small>
                        {formatTime(take.durationMs / 1000)} · {voiceName(take.voiceId)} ·{' '}
                        {t('takes.seed', { seed: take.options.seed ?? '–' })}
                      </small>
                    </span>
                    <label className="take-use">
                      <input
                        type="radio"
                        name={`${uid}-active`}
                        checked={active}
                        onChange={() => lineId && void useStudio.getState().setActiveTake(lineId, take.id)}
                      />
                      <span className="sr-only">{t('takes.use', { k })}</span>
                      <span aria-hidden="true" className={active ? 'chip chip-success' : 'chip'}>
                        {active ? t('takes.active') : t('takes.useShort')}
                      </span>
                    </label>
                  </li>
                );
              })}
            </ul>
          </div>

          {takes.length > 1 && (
            <div className="ab-compare" role="group" aria-label={t('takes.abGroup')}>
              <label className="ab-pick">
                <span>A</span>
                <select
                  className="input"
                  value={a ?? ''}
                  aria-label={t('takes.abPickA')}
                  onChange={(e) => setA(e.target.value)}
                >
                  {takes.map((x) => (
                    <option key={x.id} value={x.id}>
                      {t('takes.take', { k: numberOf(x.id) })}
                    </option>
                  ))}
                </select>
              </label>
              <label className="ab-pick">
                <span>B</span>
                <select
                  className="input"
                  value={b ?? ''}
                  aria-label={t('takes.abPickB')}
                  onChange={(e) => setB(e.target.value)}
                >
                  {takes.map((x) => (
                    <option key={x.id} value={x.id}>
                      {t('takes.take', { k: numberOf(x.id) })}
                    </option>
                  ))}
                </select>
              </label>
              <button
                type="button"
                className="btn btn-sm"
                aria-pressed={playing === 'A'}
                disabled={!a}
                onClick={() => switchTo('A')}
              >
                {t('takes.playA')}
              </button>
              <button
                type="button"
                className="btn btn-sm"
                aria-pressed={playing === 'B'}
                disabled={!b}
                onClick={() => switchTo('B')}
              >
                {t('takes.playB')}
              </button>
              {playing && (
                <button type="button" className="icon-btn btn-sm" aria-label={t('takes.stopAb')} onClick={stopAb}>
                  <Icon name="stop" size={13} />
                </button>
              )}
              <audio ref={audioA} src={a ? api().takeAudioUrl(a) : undefined} preload="auto" onEnded={stopAb} />
              <audio ref={audioB} src={b ? api().takeAudioUrl(b) : undefined} preload="auto" onEnded={stopAb} />
              <ul className="ab-texts">
                {(
                  [
                    ['A', a],
                    ['B', b],
                  ] as const
                ).map(([which, id]) => {
                  const take = takes.find((x) => x.id === id);
                  if (!take) return null;
                  const same = take.text.trim() === (line?.text ?? '').trim();
                  return (
                    <li key={which} data-ab={which}>
                      <strong>{t('studioUx.abText', { which, k: numberOf(take.id) })}</strong>{' '}
                      <span className={same ? 'muted' : undefined}>
                        {same ? t('studioUx.madeFromCurrent') : t('studioUx.madeFrom', { text: take.text })}
                      </span>
                    </li>
                  );
                })}
              </ul>
            </div>
          )}

          <div className="takes-actions">
            <button
              type="button"
              className="btn btn-sm"
              onClick={() =>
                setMarked(
                  markedIds.length === takes.length ? {} : Object.fromEntries(takes.map((x) => [x.id, true as const])),
                )
              }
            >
              {markedIds.length === takes.length ? t('takes.unmarkAll') : t('takes.markAll')}
            </button>
            <button
              type="button"
              className="btn btn-sm btn-stop"
              disabled={markedIds.length === 0}
              onClick={() => setConfirm(true)}
            >
              <Icon name="trash" size={13} />
              {t('takes.deleteMarked', { count: markedIds.length })}
            </button>
          </div>
        </>
      )}
      <ConfirmDialog
        open={confirm}
        danger
        title={t.plural('takes.confirmTitle', markedIds.length)}
        confirmLabel={t('common.delete')}
        onClose={() => setConfirm(false)}
        onConfirm={() => {
          setConfirm(false);
          if (lineId) void useStudio.getState().deleteTakes(lineId, markedIds);
        }}
      >
        {t('takes.confirmBody')}
      </ConfirmDialog>
    </section>
  );
}
