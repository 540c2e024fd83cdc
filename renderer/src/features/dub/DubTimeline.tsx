/**
 * The Dub view's timeline: the source waveform, the dub waveform, and one lane per speaker with its cues, under one
 * playhead; each cue's edges can be dragged (DubCue.tsx). Waveforms are decoded in the page from the player's own media (sources up to 20 minutes; longer ones
 * show the lanes only, so a feature film never costs the page its memory).
 */
import { useEffect, useRef, useState } from 'react';
import type { DubProjectDetail } from '../../../../preload/contract/index.js';
import { useT } from '../../i18n/useT';
import { DubCue } from './DubCue';
import { useDub } from './dubStore';

const WAVE_MAX_SECONDS = 20 * 60;
const BUCKETS = 1200;

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

function Wave({ peaks, label, className }: { peaks: Float32Array | null; label: string; className: string }) {
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
      const b = Math.floor((px / w) * n);
      const lo = peaks[2 * b];
      const hi = peaks[2 * b + 1];
      const y0 = ((1 - hi) / 2) * h;
      const y1 = ((1 - lo) / 2) * h;
      g.fillRect(px, y0, 1, Math.max(1, y1 - y0));
    }
  }, [peaks]);
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
  return (
    <section className="card dub-timeline" aria-labelledby="dub-timeline-title">
      <h2 id="dub-timeline-title" className="sr-only">
        {t('dub.timeline')}
      </h2>
      <div className="dub-timeline-body">
        <div
          className="dub-playhead"
          style={{
            left: `calc(var(--dub-lane-label) + (100% - var(--dub-lane-label)) * ${Math.min(1, time / duration)})`,
          }}
          aria-hidden="true"
        />
        <Wave peaks={sourcePeaks} label={t('dub.sourceWave')} className="dub-wave-source" />
        <Wave peaks={dubPeaks} label={t('dub.dubWave')} className="dub-wave-dub" />
        {lanes.map((name) => (
          <div className="dub-lane" key={name ?? '-'}>
            <span className="dub-lane-label">{name ?? t('dub.noSpeaker')}</span>
            <div className="dub-lane-track">
              {project.segmentList
                .filter((s) => (s.speaker?.toLowerCase() ?? null) === (name?.toLowerCase() ?? null))
                .map((s) => (
                  <DubCue
                    key={s.id}
                    seg={s}
                    prev={project.segmentList[s.index - 1] ?? null}
                    next={project.segmentList[s.index + 1] ?? null}
                    duration={duration}
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
