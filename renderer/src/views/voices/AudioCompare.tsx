import { useEffect, useId, useRef, useState } from 'react';
import WaveSurfer from 'wavesurfer.js';
import RegionsPlugin, { type Region } from 'wavesurfer.js/dist/plugins/regions.esm.js';
import { formatTime } from '../../components/TakePlayer';
import { Icon } from '../../components/Icon';
import { useT } from '../../i18n/useT';

export interface TimeWindow {
  start: number;
  end: number;
}

interface Props {
  originalUrl: string;
  /** The cleaned version, once there is one. */
  cleanedUrl: string | null;
  /** Where the cleaned audio starts in the original (the window it was cut from), to keep the A/B position. */
  cleanedOffset: number;
  /** Trim window on the original (seconds); null hides the trim editor. */
  window: TimeWindow | null;
  onWindowChange?(w: TimeWindow): void;
  /** The suggested window, offered as a reset. */
  bestWindow?: TimeWindow | null;
  /** Duration of the original, for clamping before the audio has loaded. */
  duration: number;
}

const css = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/**
 * wavesurfer renders into a shadow root by assigning it HTML with an inline <style>, which the page's CSP
 * (style-src 'self') refuses, logging a violation each time a waveform appears. While it is created, the shadow root
 * it attaches takes that HTML without the <style>, and the same rules arrive as a constructable style sheet
 * (adoptedStyleSheets), which CSP does not govern. Nothing else changes: the patch is undone before this returns.
 */
function withoutInlineStyles<T>(create: () => T): T {
  const attach = Element.prototype.attachShadow;
  const inner = Object.getOwnPropertyDescriptor(ShadowRoot.prototype, 'innerHTML');
  if (!inner?.set || !inner.get || typeof CSSStyleSheet !== 'function') return create();
  Element.prototype.attachShadow = function (this: Element, init: ShadowRootInit) {
    const root = attach.call(this, init);
    Object.defineProperty(root, 'innerHTML', {
      configurable: true,
      get: () => inner.get!.call(root) as string,
      set: (html: string) => {
        const css: string[] = [];
        const rest = html.replace(/<style\b[^>]*>([\s\S]*?)<\/style>/gi, (_m, rules: string) => {
          css.push(rules);
          return '';
        });
        if (css.length) {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(css.join('\n'));
          root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
        }
        inner.set!.call(root, rest);
      },
    });
    return root;
  };
  try {
    return create();
  } finally {
    Element.prototype.attachShadow = attach;
  }
}

const round = (s: number) => Math.round(s * 100) / 100;

/**
 * The waveform of a recording with an A/B switch between the original and the cleaned version (same position),
 * and, on the original, a draggable trim window (wavesurfer Regions) with numeric start/end inputs.
 */
export function AudioCompare({
  originalUrl,
  cleanedUrl,
  cleanedOffset,
  window: win,
  onWindowChange,
  bestWindow,
  duration,
}: Props) {
  const t = useT();
  const uid = useId();
  const holder = useRef<HTMLDivElement>(null);
  const wsRef = useRef<WaveSurfer | null>(null);
  const regionsRef = useRef<ReturnType<typeof RegionsPlugin.create> | null>(null);
  const regionRef = useRef<Region | null>(null);
  const changeRef = useRef(onWindowChange);
  useEffect(() => {
    changeRef.current = onWindowChange;
  }, [onWindowChange]);
  const [which, setWhich] = useState<'original' | 'cleaned'>('original');
  const [playing, setPlaying] = useState(false);
  const [time, setTime] = useState(0);
  const [length, setLength] = useState(duration);
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState(false);
  const pending = useRef<{ time: number; play: boolean } | null>(null);
  const url = which === 'cleaned' && cleanedUrl ? cleanedUrl : originalUrl;

  // One wavesurfer for the component's life.
  useEffect(() => {
    const container = holder.current;
    if (!container) return;
    const regions = RegionsPlugin.create();
    const ws = withoutInlineStyles(() =>
      WaveSurfer.create({
        container,
        height: 96,
        waveColor: css('--wave') || '#9aa0ad',
        progressColor: css('--accent') || '#4f4fd1',
        cursorColor: css('--text') || '#15171c',
        cursorWidth: 2,
        barWidth: 2,
        barGap: 1,
        barRadius: 2,
        normalize: true,
        plugins: [regions],
      }),
    );
    wsRef.current = ws;
    regionsRef.current = regions;
    const offs = [
      ws.on('play', () => setPlaying(true)),
      ws.on('pause', () => setPlaying(false)),
      ws.on('finish', () => setPlaying(false)),
      ws.on('timeupdate', (s) => setTime(s)),
      ws.on('error', () => setFailed(true)),
      ws.on('ready', (d) => {
        setReady(true);
        setFailed(false);
        setLength(d);
        const p = pending.current;
        pending.current = null;
        if (p) {
          const at = Math.max(0, Math.min(d, p.time));
          ws.setTime(at);
          setTime(at);
          if (p.play) void ws.play().catch(() => setPlaying(false));
        }
      }),
      regions.on('region-updated', (r) => {
        changeRef.current?.({ start: round(r.start), end: round(r.end) });
      }),
    ];
    return () => {
      offs.forEach((off) => off());
      ws.destroy();
      wsRef.current = null;
      regionRef.current = null;
    };
  }, []);

  // Load the selected version, keeping the position (mapped through the window the cleaned audio was cut from).
  const lastWhich = useRef(which);
  useEffect(() => {
    const ws = wsRef.current;
    if (!ws) return;
    const wasPlaying = ws.isPlaying();
    let at = ws.getCurrentTime();
    if (lastWhich.current !== which) {
      at = which === 'cleaned' ? at - cleanedOffset : at + cleanedOffset;
      lastWhich.current = which;
    }
    pending.current = { time: Math.max(0, at), play: wasPlaying };
    setReady(false);
    ws.load(url).catch(() => setFailed(true));
  }, [url, which, cleanedOffset]);

  // The trim region lives on the original only.
  useEffect(() => {
    const regions = regionsRef.current;
    if (!regions) return;
    const show = ready && which === 'original' && !!win;
    if (!show) {
      regions.clearRegions();
      regionRef.current = null;
      return;
    }
    const r = regionRef.current;
    if (r && Math.abs(r.start - win.start) < 0.01 && Math.abs(r.end - win.end) < 0.01) return;
    if (r) r.setOptions({ start: win.start, end: win.end });
    else
      regionRef.current = regions.addRegion({
        id: 'trim',
        start: win.start,
        end: win.end,
        color: 'color-mix(in srgb, var(--accent) 22%, transparent)',
        drag: true,
        resize: true,
      });
  }, [ready, which, win]);

  // Re-colour on theme changes.
  useEffect(() => {
    const obs = new MutationObserver(() =>
      wsRef.current?.setOptions({
        waveColor: css('--wave') || '#9aa0ad',
        progressColor: css('--accent') || '#4f4fd1',
        cursorColor: css('--text') || '#15171c',
      }),
    );
    obs.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => obs.disconnect();
  }, []);

  const toggle = () => {
    const ws = wsRef.current;
    if (!ws) return;
    void ws.playPause().catch(() => setPlaying(false));
  };

  const label = which === 'cleaned' ? t('rev.cleanedVersion') : t('rev.original');
  const max = length || duration;
  const setEdge = (edge: 'start' | 'end', raw: string) => {
    const v = Number(raw);
    if (!win || !Number.isFinite(v)) return;
    const next = { ...win, [edge]: Math.max(0, Math.min(max, round(v))) };
    if (next.end - next.start < 0.5) return;
    onWindowChange?.(next);
  };

  return (
    <div className="compare">
      <div className="compare-bar">
        <button
          type="button"
          className="play-btn"
          aria-label={playing ? t('rev.pauseWhich', { which: label }) : t('rev.playWhich', { which: label })}
          aria-pressed={playing}
          disabled={!ready}
          onClick={toggle}
        >
          <Icon name={playing ? 'pause' : 'play'} size={16} />
        </button>
        <span className="take-time mono" aria-label={t('rev.position')}>
          {formatTime(time)} / {formatTime(max)}
        </span>
        <span className="toolbar-spacer" />
        {cleanedUrl && (
          <div className="segmented ab-switch" role="radiogroup" aria-label={t('rev.abLabel')}>
            {(['original', 'cleaned'] as const).map((w) => (
              <label key={w} className={which === w ? 'selected' : ''}>
                <input type="radio" name={`${uid}-ab`} value={w} checked={which === w} onChange={() => setWhich(w)} />
                <span>{w === 'cleaned' ? t('rev.cleanedVersion') : t('rev.original')}</span>
              </label>
            ))}
          </div>
        )}
      </div>
      <div
        ref={holder}
        className={`waveform${ready ? '' : ' loading'}`}
        role="img"
        aria-label={t('rev.waveform')}
        data-which={which}
      />
      {failed && <p className="field-error">{t('player.loadFailed')}</p>}
      {win && which === 'original' && onWindowChange && (
        <div className="trim-row" role="group" aria-labelledby={`${uid}-trim`}>
          <span id={`${uid}-trim`} className="field-label">
            {t('rev.trimHeading')}
          </span>
          <label className="trim-field">
            <span>{t('rev.start')}</span>
            <input
              className="input mono"
              type="number"
              min={0}
              max={max}
              step={0.1}
              value={win.start}
              onChange={(e) => setEdge('start', e.target.value)}
            />
          </label>
          <label className="trim-field">
            <span>{t('rev.end')}</span>
            <input
              className="input mono"
              type="number"
              min={0}
              max={max}
              step={0.1}
              value={win.end}
              onChange={(e) => setEdge('end', e.target.value)}
            />
          </label>
          {bestWindow && (
            <button type="button" className="btn btn-sm" onClick={() => onWindowChange(bestWindow)}>
              <Icon name="sparkle" size={14} />
              {t('rev.resetBest')}
            </button>
          )}
          <p className="hint trim-help">{t('rev.trimHelp')}</p>
        </div>
      )}
    </div>
  );
}
