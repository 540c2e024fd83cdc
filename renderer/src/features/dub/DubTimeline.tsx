/**
 * The Dub view's timeline: the source waveform, the dub waveform, and one lane per speaker with its cues, under one
 * playhead; each cue's edges can be dragged (DubCue.tsx). Waveforms are decoded in the page from the player's own
 * media (sources up to 20 minutes; longer ones show the lanes only, so a feature film never costs the page its memory).
 *
 * It shows a window of the media (2 minutes at first; zoom 15 s to 30 min, or the whole media), which follows the
 * playhead and can be moved with its position slider: only the cues inside it are in the page, so a film of 2,000
 * cues has tens of cue elements, not 6,000, and a cue is wide enough to grab.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { DubProjectDetail } from '../../../../preload/contract/index.js';
import { useT } from '../../i18n/useT';
import { DubCue } from './DubCue';
import { useDub } from './dubStore';
import { clampView, followPlayhead, TIMELINE_START_SPAN, zoomLevels, type TimelineView } from './timelineView';

const WAVE_MAX_SECONDS = 20 * 60;
const BUCKETS = 4800;
const fmtSpan = (s: number) =>
  s >= 3600
    ? `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`
    : s >= 60
      ? `${Math.floor(s / 60)} min${s % 60 >= 1 ? ` ${Math.round(s % 60)} s` : ''}`
      : `${Math.round(s)} s`;

/** Min/max peaks of a media file's audio (decoded by the browser), or null when it cannot be decoded. */
function usePeaks(url: string | null, duration: number): Float32Array | null {
  const [got, setGot] = useState<{ url: string; peaks: Float32Array } | null>(null);
  useEffect(() => {
    if (!url || duration > WAVE_MAX_SECONDS) return;
    let cancelled = false;
    void (async () => {
      try {
        const res = await fetch(url);
        if (!res.ok) return;
        const ctx = new OfflineAudioContext(1, 1, 8000);
        const buf = await ctx.decodeAudioData(await res.arrayBuffer());
        const x = buf.getChannelData(0);
        const out = new Float32Array(BUCKETS * 2);
        const per = x.length / BUCKETS;
        for (let b = 0; b < BUCKETS; b++) {
          let lo = 0;
          let hi = 0;
          const end = Math.min(x.length, Math.floor((b + 1) * per));
          for (let i = Math.floor(b * per); i < end; i++) {
            if (x[i] < lo) lo = x[i];
            if (x[i] > hi) hi = x[i];
          }
          out[2 * b] = lo;
          out[2 * b + 1] = hi;
        }
        if (!cancelled) setGot({ url, peaks: out });
      } catch {
        // no audio the browser can decode: the lane stays empty
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [url, duration]);
  return got && got.url === url ? got.peaks : null;
}

function Wave({
  peaks,
  label,
  className,
  from,
  to,
}: {
  peaks: Float32Array | null;
  label: string;
  className: string;
  /** The window shown, as fractions of the media. */
  from: number;
  to: number;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    const w = (c.width = c.clientWidth * devicePixelRatio || BUCKETS);
    const h = (c.height = c.clientHeight * devicePixelRatio || 48);
    const g = c.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, w, h);
    if (!peaks) return;
    g.fillStyle = getComputedStyle(c).color;
    const n = peaks.length / 2;
    for (let px = 0; px < w; px++) {
      // The buckets under this pixel (at least one): their extremes.
      const b0 = Math.min(n - 1, Math.floor((from + (px / w) * (to - from)) * n));
      const b1 = Math.max(b0 + 1, Math.min(n, Math.floor((from + ((px + 1) / w) * (to - from)) * n)));
      let lo = 0;
      let hi = 0;
      for (let b = b0; b < b1; b++) {
        lo = Math.min(lo, peaks[2 * b]);
        hi = Math.max(hi, peaks[2 * b + 1]);
      }
      const y0 = ((1 - hi) / 2) * h;
      const y1 = ((1 - lo) / 2) * h;
      g.fillRect(px, y0, 1, Math.max(1, y1 - y0));
    }
  }, [peaks, from, to]);
  return (
    <div className="dub-lane">
      <span className="dub-lane-label">{label}</span>
      <canvas ref={ref} className={`dub-wave ${className}`} role="img" aria-label={label} />
    </div>
  );
}

export function DubTimeline({
  project,
  sourceUrl,
  dubUrl,
  onSeek,
}: {
  project: DubProjectDetail;
  sourceUrl: string;
  dubUrl: string | null;
  onSeek(seconds: number, index?: number): void;
}) {
  const t = useT();
  const time = useDub((s) => s.time);
  const selected = useDub((s) => s.selected);
  const duration = project.durationSeconds;
  const sourcePeaks = usePeaks(project.media.audio ? sourceUrl : null, duration);
  const dubPeaks = usePeaks(dubUrl, duration);
  const lanes = [
    ...project.speakers.map((s) => s.name),
    ...(project.segmentList.some((s) => !s.speaker) ? [null] : []),
  ];
  const levels = zoomLevels(duration, project.segmentList.length);
  const [span, setSpan] = useState(() => levels.filter((z) => z <= TIMELINE_START_SPAN).pop() ?? levels[0]);
  // A level no longer offered (segments were added) gives way to the widest one that is.
  const shown = Math.min(span, levels[levels.length - 1], duration);
  const [start, setStart] = useState(0);
  const view: TimelineView = { start: clampView(start, shown, duration), span: shown };
  // The window follows the playhead (followPlayhead), adjusted while rendering as React advises for state derived
  // from a changing prop.
  const [followed, setFollowed] = useState(time);
  if (time !== followed) {
    setFollowed(time);
    const next = followPlayhead(followed, time, view, duration);
    if (next !== null) setStart(next);
  }
  const zoom = (dir: 1 | -1) => {
    const i = levels.findIndex((z) => z >= shown - 1e-6);
    const next = levels[Math.max(0, Math.min(levels.length - 1, (i < 0 ? levels.length - 1 : i) + dir))];
    if (next === shown) return;
    // Zoomed around the playhead when it is in view, else around the window's centre.
    const anchor = time >= view.start && time <= view.start + shown ? time : view.start + shown / 2;
    const frac = (anchor - view.start) / shown;
    setSpan(next);
    setStart(clampView(anchor - frac * next, next, duration));
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.target instanceof HTMLInputElement && e.target.type !== 'range') return;
    if (e.key === '+' || e.key === '=') zoom(-1);
    else if (e.key === '-' || e.key === '_') zoom(1);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };
  const end = view.start + shown;
  // Only the cues in the window are in the page.
  const visible = project.segmentList.filter((s) => s.end >= view.start && s.start <= end);
  const frac = (time - view.start) / shown;
  return (
    <section className="card dub-timeline" aria-labelledby="dub-timeline-title" onKeyDown={onKey}>
      <h2 id="dub-timeline-title" className="sr-only">
        {t('dub.timeline')}
      </h2>
      <div className="dub-timeline-tools">
        <button
          type="button"
          className="btn btn-sm btn-ghost"
          aria-label={t('dub.zoomOut')}
          title={`${t('dub.zoomOut')} (-)`}
          disabled={shown >= levels[levels.length - 1] - 1e-6}
          onClick={() => zoom(1)}
        >
          −
        </button>
        <button
          type="button"
          className="btn btn-sm btn-ghost"
          aria-label={t('dub.zoomIn')}
          title={`${t('dub.zoomIn')} (+)`}
          disabled={shown <= levels[0] + 1e-6}
          onClick={() => zoom(-1)}
        >
          +
        </button>
        <span className="small muted" data-testid="dub-timeline-window">
          {t('dub.timelineWindow', {
            span: fmtSpan(shown),
            start: fmtSpan(view.start),
            end: fmtSpan(end),
            total: fmtSpan(duration),
          })}
        </span>
        {shown < duration - 1e-6 && (
          <input
            type="range"
            className="dub-timeline-position"
            aria-label={t('dub.timelinePosition')}
            min={0}
            max={Math.round((duration - shown) * 10) / 10}
            step={0.1}
            value={Math.round(view.start * 10) / 10}
            aria-valuetext={`${fmtSpan(view.start)} – ${fmtSpan(end)}`}
            onChange={(e) => setStart(clampView(Number(e.target.value), shown, duration))}
          />
        )}
      </div>
      <div className="dub-timeline-body">
        {frac >= 0 && frac <= 1 && (
          <div
            className="dub-playhead"
            style={{ left: `calc(var(--dub-lane-label) + (100% - var(--dub-lane-label)) * ${frac})` }}
            aria-hidden="true"
          />
        )}
        <Wave
          peaks={sourcePeaks}
          label={t('dub.sourceWave')}
          className="dub-wave-source"
          from={view.start / duration}
          to={end / duration}
        />
        <Wave
          peaks={dubPeaks}
          label={t('dub.dubWave')}
          className="dub-wave-dub"
          from={view.start / duration}
          to={end / duration}
        />
        {lanes.map((name) => (
          <div className="dub-lane" key={name ?? '-'}>
            <span className="dub-lane-label">{name ?? t('dub.noSpeaker')}</span>
            <div className="dub-lane-track">
              {visible
                .filter((s) => (s.speaker?.toLowerCase() ?? null) === (name?.toLowerCase() ?? null))
                .map((s) => (
                  <DubCue
                    key={s.id}
                    seg={s}
                    prev={project.segmentList[s.index - 1] ?? null}
                    next={project.segmentList[s.index + 1] ?? null}
                    duration={duration}
                    view={view}
                    selected={s.index === selected}
                    onSeek={onSeek}
                  />
                ))}
            </div>
          </div>
        ))}
      </div>
    </section>
  );
}
