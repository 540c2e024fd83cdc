import { useEffect, useMemo, useRef, useState } from 'react';
import WaveSurfer from 'wavesurfer.js';
import RegionsPlugin, { type Region } from 'wavesurfer.js/dist/plugins/regions.esm.js';
import { LIMITS, type Timeline as TimelineData } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { useT } from '../../i18n/useT';
import { useSettings } from '../../store/settings';
import { useStudio } from '../../store/studio';
import { Icon } from '../Icon';
import { formatTime } from '../TakePlayer';
import { speakerHue } from './ImportDialog';

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let out = '';
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(out);
}

/**
 * The whole episode as one waveform (wavesurfer.js) with a region per line: click a region to jump there, play from
 * the current line, loop it; the gap between lines and an optional music bed (gain, ducking) are set here.
 */
export function Timeline() {
  const t = useT();
  const projectId = useStudio((s) => s.projectId);
  const project = useStudio((s) => s.project);
  const lines = useStudio((s) => s.lines);
  const current = useStudio((s) => s.current);
  const theme = useSettings((s) => s.settings.theme);
  const [data, setData] = useState<TimelineData | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [loop, setLoop] = useState(false);
  const [gapDraft, setGap] = useState<number | null>(null);
  const gap = gapDraft ?? project?.gapMs ?? 0;
  const [musicBusy, setMusicBusy] = useState(false);
  const waveRef = useRef<HTMLDivElement>(null);
  const ws = useRef<WaveSurfer | null>(null);
  const regions = useRef<InstanceType<typeof RegionsPlugin> | null>(null);
  const loopRef = useRef<string | null>(null);

  // What changes the mix: active takes, their order, the gap, the music bed.
  const mixKey = useMemo(
    () =>
      [
        lines.map((l) => `${l.id}:${l.activeTakeId ?? ''}`).join(','),
        project?.gapMs,
        project?.musicBed ? `${project.musicBed.name}:${project.musicBed.gainDb}:${project.musicBed.duck}` : '',
      ].join('|'),
    [lines, project?.gapMs, project?.musicBed],
  );

  useEffect(() => {
    if (!projectId) return;
    let stale = false;
    const timer = window.setTimeout(() => {
      api()
        .call('projects.timeline', { id: projectId })
        .then((d) => {
          if (stale) return;
          setData((old) => (old && old.rev === d.rev ? old : d));
          setError(null);
        })
        .catch((err: unknown) => !stale && setError(errorMessage(err)));
    }, 400);
    return () => {
      stale = true;
      window.clearTimeout(timer);
    };
  }, [projectId, mixKey]);

  const url = data?.hasAudio && projectId ? api().projectMixUrl(projectId, data.rev) : null;
  const numberOf = useMemo(() => new Map(lines.map((l, i) => [l.id, i + 1])), [lines]);

  // (Re)create the waveform when the mix or the theme changes.
  useEffect(() => {
    const el = waveRef.current;
    if (!el || !url || !data) return;
    const dark = document.documentElement.dataset.theme === 'dark';
    const plugin = RegionsPlugin.create();
    const w = WaveSurfer.create({
      container: el,
      url,
      height: 84,
      waveColor: cssVar('--border-strong') || '#c9ced8',
      progressColor: cssVar('--accent') || '#4f4fd1',
      cursorColor: cssVar('--text') || '#15171c',
      cursorWidth: 2,
      barWidth: 2,
      barGap: 1,
      barRadius: 2,
      normalize: true,
      dragToSeek: true,
      plugins: [plugin],
    });
    ws.current = w;
    regions.current = plugin;
    w.on('ready', () => {
      for (const l of data.lines) {
        if (!l.hasAudio || l.end <= l.start) continue;
        const hue = l.speaker ? speakerHue(l.speaker) : 230;
        const label = document.createElement('span');
        label.className = 'region-label';
        label.textContent = String(numberOf.get(l.lineId) ?? '');
        plugin.addRegion({
          id: l.lineId,
          start: l.start,
          end: l.end,
          drag: false,
          resize: false,
          color: `hsl(${hue} 70% ${dark ? 60 : 55}% / ${dark ? 0.16 : 0.14})`,
          content: label,
        });
      }
    });
    w.on('play', () => setPlaying(true));
    w.on('pause', () => setPlaying(false));
    w.on('finish', () => setPlaying(false));
    w.on('timeupdate', (s) => setTime(s));
    w.on('error', (e) => setError(String(e)));
    plugin.on('region-clicked', (region: Region, e: MouseEvent) => {
      e.stopPropagation();
      w.setTime(region.start);
      useStudio.getState().setCurrent(region.id);
    });
    plugin.on('region-out', (region: Region) => {
      if (loopRef.current === region.id) region.play();
    });
    return () => {
      w.destroy();
      ws.current = null;
      regions.current = null;
    };
  }, [url, data, theme, numberOf]);

  const currentSpan = data?.lines.find((l) => l.lineId === current && l.hasAudio);
  // The selected line's number as the user sees it (1-based); undefined when no line is selected.
  const currentNumber = current ? numberOf.get(current) : undefined;
  useEffect(() => {
    loopRef.current = loop && currentSpan ? currentSpan.lineId : null;
  }, [loop, currentSpan]);

  const playFromLine = () => {
    const w = ws.current;
    if (!w || !currentSpan) return;
    w.setTime(currentSpan.start);
    void w.play();
  };

  const setMusic = async (file: File | null) => {
    if (file && file.size > LIMITS.musicUploadBytesMax) {
      setError(t('timeline.musicTooLarge', { name: file.name, max: Math.round(LIMITS.musicUploadBytesMax / 1048576) }));
      return;
    }
    setError(null);
    setMusicBusy(true);
    try {
      if (file) {
        const base64 = toBase64(await file.arrayBuffer());
        await useStudio.getState().setMix({
          musicBed: {
            source: { fileName: file.name, base64 },
            gainDb: project?.musicBed?.gainDb ?? -18,
            duck: project?.musicBed?.duck ?? true,
          },
        });
      } else await useStudio.getState().setMix({ musicBed: null });
    } finally {
      setMusicBusy(false);
    }
  };

  if (!project) return null;
  const bed = project.musicBed;

  return (
    <section className="timeline-panel" aria-labelledby="timeline-title">
      <div className="timeline-head">
        <h2 id="timeline-title" className="timeline-title">
          <Icon name="wave" size={15} />
          {t('timeline.title')}
        </h2>
        <button
          type="button"
          className="play-btn"
          disabled={!url}
          aria-label={playing ? t('timeline.pause') : t('timeline.play')}
          aria-pressed={playing}
          onClick={() => void ws.current?.playPause()}
        >
          <Icon name={playing ? 'pause' : 'play'} size={15} />
        </button>
        <span className="timeline-time" aria-live="off">
          {formatTime(time)} / {formatTime(data?.durationSeconds ?? 0)}
        </span>
        <button
          type="button"
          className="btn btn-sm"
          disabled={!currentSpan}
          title={currentNumber && !currentSpan ? t('timeline.lineHasNoTake', { n: currentNumber }) : undefined}
          onClick={playFromLine}
        >
          <Icon name="play" size={12} />
          {currentNumber ? t('timeline.playFromLine', { n: currentNumber }) : t('timeline.playFromLineNone')}
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-pressed={loop}
          disabled={!currentSpan}
          aria-label={t('timeline.loop')}
          title={t('timeline.loop')}
          onClick={() => setLoop((v) => !v)}
        >
          <Icon name="repeat" size={15} />
        </button>
        <div className="toolbar-spacer" />
        <label className="timeline-controls">
          {t('timeline.gap')}
          <input
            type="number"
            className="input"
            min={0}
            max={10000}
            step={50}
            value={gap}
            onChange={(e) => setGap(Number(e.target.value))}
            onBlur={() => {
              const v = Math.max(0, Math.min(10000, Math.round(gap)));
              setGap(null);
              if (v !== project.gapMs) void useStudio.getState().setMix({ gapMs: v });
            }}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          />
          <span aria-hidden="true">ms</span>
        </label>
        <div className="timeline-controls music-controls">
          <Icon name="music" size={15} />
          {bed ? (
            <>
              <span className="music-name" title={bed.name}>
                {bed.name}
              </span>
              <label className="timeline-controls">
                <span className="sr-only">{t('timeline.musicGain')}</span>
                <input
                  type="range"
                  min={-40}
                  max={6}
                  step={1}
                  defaultValue={bed.gainDb}
                  aria-label={t('timeline.musicGain')}
                  aria-valuetext={`${bed.gainDb} dB`}
                  onPointerUp={(e) =>
                    void useStudio
                      .getState()
                      .setMix({ musicBed: { gainDb: Number(e.currentTarget.value), duck: bed.duck } })
                  }
                  onKeyUp={(e) =>
                    void useStudio
                      .getState()
                      .setMix({ musicBed: { gainDb: Number(e.currentTarget.value), duck: bed.duck } })
                  }
                />
                <span className="muted">{bed.gainDb} dB</span>
              </label>
              <label className="check-row">
                <input
                  type="checkbox"
                  checked={bed.duck}
                  onChange={(e) =>
                    void useStudio.getState().setMix({ musicBed: { gainDb: bed.gainDb, duck: e.target.checked } })
                  }
                />
                {t('timeline.duck')}
              </label>
              <button
                type="button"
                className="icon-btn btn-sm"
                aria-label={t('timeline.removeMusic')}
                title={t('timeline.removeMusic')}
                disabled={musicBusy}
                onClick={() => void setMusic(null)}
              >
                <Icon name="x" size={13} />
              </button>
            </>
          ) : (
            <label className="btn btn-sm">
              {musicBusy && <span className="spinner" aria-hidden="true" />}
              {t('timeline.addMusic')}
              <input
                type="file"
                className="sr-only"
                accept="audio/*,.mp3,.wav,.flac,.ogg,.m4a"
                disabled={musicBusy}
                onChange={(e) => {
                  const f = e.target.files?.[0];
                  e.target.value = '';
                  if (f) void setMusic(f);
                }}
              />
            </label>
          )}
        </div>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {url ? (
        <div className="timeline-wave" ref={waveRef} aria-label={t('timeline.waveLabel')} role="group" />
      ) : (
        <div className="timeline-wave timeline-empty">{t('timeline.empty')}</div>
      )}
    </section>
  );
}
