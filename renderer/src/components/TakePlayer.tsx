import { useEffect, useRef, useState, type CSSProperties } from 'react';
import type { Take } from '../../../preload/contract/index.js';
import { api } from '../api';
import { useT } from '../i18n/useT';
import { Icon } from './Icon';

export function formatTime(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const m = Math.floor(seconds / 60);
  const s = Math.floor(seconds % 60);
  return `${m}:${s.toString().padStart(2, '0')}`;
}

/** Stop every other take when one starts playing. */
const players = new Set<HTMLAudioElement>();

interface Props {
  take: Pick<Take, 'id' | 'durationMs'>;
  /** 1-based line number, for labels. */
  n: number;
}

/** A compact player for one take: play/pause, seek bar, time, download. */
export function TakePlayer({ take, n }: Props) {
  const t = useT();
  const ref = useRef<HTMLAudioElement>(null);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  // The player may first show a take known only by id (its job just finished, durationMs 0): the stored duration
  // follows with the refreshed line, the loaded metadata's wins once known.
  const [loadedDuration, setDuration] = useState<number | null>(null);
  const duration = loadedDuration ?? take.durationMs / 1000;
  const [failed, setFailed] = useState(false);
  const src = api().takeAudioUrl(take.id);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    players.add(el);
    return () => {
      players.delete(el);
    };
  }, []);

  const toggle = () => {
    const el = ref.current;
    if (!el) return;
    if (el.paused) {
      for (const other of players) if (other !== el && !other.paused) other.pause();
      if (el.ended) el.currentTime = 0;
      el.play().catch(() => setFailed(true));
    } else el.pause();
  };

  const progress = duration > 0 ? Math.min(1, time / duration) : 0;
  return (
    <div className={`take-player${failed ? ' failed' : ''}`} data-take-id={take.id}>
      <audio
        ref={ref}
        src={src}
        preload="metadata"
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onEnded={() => setPlaying(false)}
        onTimeUpdate={(e) => setTime(e.currentTarget.currentTime)}
        onLoadedMetadata={(e) => {
          setFailed(false);
          if (Number.isFinite(e.currentTarget.duration)) setDuration(e.currentTarget.duration);
        }}
        onError={() => setFailed(true)}
      />
      <button
        type="button"
        className="play-btn"
        aria-label={playing ? t('player.pause', { n }) : t('player.play', { n })}
        aria-pressed={playing}
        onClick={toggle}
      >
        <Icon name={playing ? 'pause' : 'play'} size={16} />
      </button>
      <input
        type="range"
        className="seek"
        min={0}
        max={duration || 0}
        step={0.01}
        value={Math.min(time, duration || 0)}
        aria-label={t('player.seek', { n })}
        aria-valuetext={`${formatTime(time)} / ${formatTime(duration)}`}
        style={{ '--progress': `${progress * 100}%` } as CSSProperties}
        onChange={(e) => {
          const el = ref.current;
          if (el) el.currentTime = Number(e.target.value);
          setTime(Number(e.target.value));
        }}
      />
      <span className="take-time" aria-hidden="true">
        {formatTime(time)} / {formatTime(duration)}
      </span>
      <a className="icon-btn" href={src} download={`line-${n}.wav`} aria-label={t('player.download', { n })}>
        <Icon name="download" size={16} />
      </a>
      {failed && (
        <span className="take-error" role="alert">
          {t('player.loadFailed')}
        </span>
      )}
    </div>
  );
}
