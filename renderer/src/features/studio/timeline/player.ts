/**
 * Preview playback line by line: the lines that play from a given time come from `timeline.playQueue` a few at a
 * time, each line plays its take file in an <audio> element (the next one is preloaded), and the gap between lines
 * is timed by the clock. Nothing ever builds a mix of the episode, so starting at 9:59:00 of a 10-hour project
 * costs the same as starting at 0:00.
 *
 * The music bed plays under the preview from its stored file (Range requests, so starting 9 hours in reads only
 * what it plays), looped like the export's bed, at the bed's level, and ducked while a line plays with the
 * export's attack, hold and release times. The export ducks on the voice's measured presence; the preview ducks per
 * line (a pause inside a take keeps the bed down), and a bed level above 0 dB plays at 0 dB (an <audio> element
 * cannot amplify).
 */
import type { TimelineSpan } from '../../../../../preload/contract/index.js';
import { api, errorMessage } from '../../../api';

export interface PlayerEvents {
  /** The playhead (seconds into the episode); called on every animation frame while playing. */
  time(t: number): void;
  playing(on: boolean): void;
  /** The line whose take starts playing (the script follows it). */
  line?(lineId: string): void;
  error(message: string): void;
}

const BATCH = 8;

/** The project's music bed as the preview plays it. */
export interface PreviewBed {
  url: string;
  gainDb: number;
  duck: boolean;
  durationSeconds: number;
}

/** The export's ducking (native-models/dsp/mix.ts defaults): depth, fall, rise and hold. */
const DUCK_DB = -15;
const ATTACK_S = 0.15;
const RELEASE_S = 0.6;
const HOLD_S = 0.25;
/** The bed is put back in step with the playhead when it has drifted more than this. */
const BED_DRIFT_S = 0.12;

const dbToVolume = (db: number) => Math.min(1, Math.pow(10, db / 20));

/** The bed's <audio> element: in the page (hidden) so its state can be inspected, removed on dispose. */
class BedTrack {
  readonly el: HTMLAudioElement;
  private bed: PreviewBed | null = null;
  private volume = 0;
  /** When the voice last stopped (performance.now() ms); null while a line plays. */
  private voiceOffAt: number | null = 0;
  private lastFrame = 0;

  constructor(onError: (message: string) => void) {
    this.el = document.createElement('audio');
    this.el.hidden = true;
    this.el.loop = true;
    this.el.preload = 'none';
    this.el.dataset.role = 'music-bed-preview';
    this.el.onerror = () => {
      if (this.bed) onError('The music bed could not be played in the preview; the voices go on without it.');
    };
    document.body.appendChild(this.el);
  }

  /** Use `bed` (level and ducking take effect at the next frame); true when it is another file. */
  set(bed: PreviewBed | null): boolean {
    if (!bed || bed.durationSeconds <= 0) {
      this.stop();
      this.bed = null;
      this.el.removeAttribute('src');
      this.el.load();
      return false;
    }
    const other = this.bed?.url !== bed.url;
    if (other) {
      this.el.src = bed.url;
      this.el.dataset.ducked = 'false';
    }
    this.bed = bed;
    return other;
  }

  /** Start (or move) the bed at episode time `t`. */
  start(t: number): void {
    if (!this.bed) return;
    this.sync(t, true);
    this.volume = this.target(performance.now());
    this.el.volume = this.volume;
    this.el.play().catch(() => {});
  }

  stop(): void {
    this.el.pause();
  }

  /** Put the bed back in step with episode time `t` when it drifted (or always, with `force`). */
  sync(t: number, force = false): void {
    if (!this.bed) return;
    const at = t % this.bed.durationSeconds;
    if (force || Math.abs(this.el.currentTime - at) > BED_DRIFT_S) this.el.currentTime = at;
  }

  voice(on: boolean): void {
    this.voiceOffAt = on ? null : performance.now();
  }

  private target(now: number): number {
    if (!this.bed) return 0;
    const ducked = this.bed.duck && (this.voiceOffAt === null || now - this.voiceOffAt < HOLD_S * 1000);
    this.el.dataset.ducked = String(ducked);
    return dbToVolume(this.bed.gainDb + (ducked ? DUCK_DB : 0));
  }

  /** Called every animation frame while playing: move the volume toward its target with the export's ramps. */
  frame(): void {
    if (!this.bed || this.el.paused) return;
    const now = performance.now();
    const dt = Math.min(0.25, Math.max(0, (now - (this.lastFrame || now)) / 1000));
    this.lastFrame = now;
    const goal = this.target(now);
    // Linear in dB over the export's attack (down) or release (up) time, as the export's gain moves.
    const cur = 20 * Math.log10(Math.max(1e-5, this.volume));
    const want = 20 * Math.log10(Math.max(1e-5, goal));
    const rate = -DUCK_DB / (want < cur ? ATTACK_S : RELEASE_S);
    const next = want < cur ? Math.max(want, cur - rate * dt) : Math.min(want, cur + rate * dt);
    this.volume = Math.min(1, Math.pow(10, next / 20));
    this.el.volume = this.volume;
  }

  dispose(): void {
    this.set(null);
    this.el.remove();
  }
}

export class LinePlayer {
  private token = 0;
  private queue: TimelineSpan[] = [];
  /** No more lines after the queue's last one. */
  private exhausted = false;
  private el: HTMLAudioElement | null = null;
  private span: TimelineSpan | null = null;
  private preloaded: { takeId: string; el: HTMLAudioElement } | null = null;
  /** Silence (a gap) being timed: from `at` seconds, since performance.now() = `since`. */
  private silence: { at: number; since: number } | null = null;
  private timer: number | null = null;
  private raf: number | null = null;
  private loopLineId: string | null = null;
  private last = 0;
  private bedTrack: BedTrack | null = null;

  constructor(
    private readonly projectId: string,
    private readonly events: PlayerEvents,
  ) {}

  /** The music bed to play under the preview (null: none). Takes effect at once, also while playing. */
  setBed(bed: PreviewBed | null): void {
    if (!bed && !this.bedTrack) return;
    this.bedTrack ??= new BedTrack((m) => this.events.error(m));
    if (this.bedTrack.set(bed) && this.isPlaying) this.bedTrack.start(this.position());
  }

  get isPlaying(): boolean {
    return this.el !== null || this.silence !== null;
  }

  /** The playhead now. */
  position(): number {
    if (this.el && this.span) return this.span.start + this.el.currentTime;
    if (this.silence) return this.silence.at + (performance.now() - this.silence.since) / 1000;
    return this.last;
  }

  /** Play from `from` seconds; with `loopLineId`, play that line again and again. */
  async play(from: number, opts: { loopLineId?: string } = {}): Promise<void> {
    this.halt();
    const tok = ++this.token;
    this.loopLineId = opts.loopLineId ?? null;
    this.queue = [];
    this.exhausted = false;
    this.last = from;
    this.silence = { at: from, since: performance.now() };
    this.events.playing(true);
    this.bedTrack?.voice(false);
    this.bedTrack?.start(from);
    this.tick();
    try {
      await this.fill(from);
    } catch (err) {
      if (tok === this.token) this.fail(err);
      return;
    }
    if (tok !== this.token) return;
    this.advance(from, tok);
  }

  stop(): void {
    const at = this.position();
    this.halt();
    this.token++;
    this.last = at;
    this.events.time(at);
    this.events.playing(false);
  }

  dispose(): void {
    this.halt();
    this.token++;
    this.bedTrack?.dispose();
    this.bedTrack = null;
  }

  private halt(): void {
    this.bedTrack?.stop();
    if (this.el) {
      this.el.onended = null;
      this.el.onerror = null;
      this.el.pause();
      this.el.removeAttribute('src');
      this.el.load();
    }
    this.el = null;
    this.span = null;
    this.silence = null;
    this.preloaded = null;
    if (this.timer !== null) window.clearTimeout(this.timer);
    if (this.raf !== null) cancelAnimationFrame(this.raf);
    this.timer = null;
    this.raf = null;
  }

  private fail(err: unknown): void {
    this.halt();
    this.events.error(errorMessage(err));
    this.events.playing(false);
  }

  private async fill(from: number): Promise<void> {
    if (this.exhausted) return;
    const r = await api().call('timeline.playQueue', { projectId: this.projectId, from, count: BATCH });
    const known = new Set(this.queue.map((s) => s.lineId));
    for (const s of r.lines) if (!known.has(s.lineId)) this.queue.push(s);
    if (r.lines.length < BATCH) this.exhausted = true;
  }

  private tick = (): void => {
    this.raf = requestAnimationFrame(() => {
      if (!this.isPlaying) return;
      this.last = this.position();
      this.events.time(this.last);
      this.bedTrack?.frame();
      this.tick();
    });
  };

  /** Play (or wait for) the queue's first line from time `t`. */
  private advance(t: number, tok: number): void {
    if (tok !== this.token) return;
    const next = this.queue[0];
    if (!next) {
      this.halt();
      this.last = t;
      this.events.time(t);
      this.events.playing(false);
      return;
    }
    if (t < next.start - 0.005) {
      this.silence = { at: t, since: performance.now() };
      this.timer = window.setTimeout(() => this.startLine(next, 0, tok), (next.start - t) * 1000);
      return;
    }
    this.startLine(next, Math.max(0, t - next.start), tok);
  }

  private startLine(span: TimelineSpan, offset: number, tok: number): void {
    if (tok !== this.token) return;
    this.timer = null;
    const url = api().takeAudioUrl(span.takeId);
    const el = this.preloaded?.takeId === span.takeId ? this.preloaded.el : new Audio(url);
    this.preloaded = null;
    this.el = el;
    this.span = span;
    this.silence = null;
    if (offset > 0) el.currentTime = offset;
    el.onended = () => this.lineEnded(span, tok);
    this.events.line?.(span.lineId);
    this.bedTrack?.voice(true);
    this.bedTrack?.sync(span.start + offset);
    el.onerror = () => this.fail(new Error(`Line ${span.number}'s take could not be played.`));
    el.play().catch((err: unknown) => tok === this.token && this.fail(err));
    // Keep a few lines ahead, and the next line's file loading.
    const ahead = this.queue[1];
    if (ahead && !this.loopLineId) {
      const p = new Audio(api().takeAudioUrl(ahead.takeId));
      p.preload = 'auto';
      this.preloaded = { takeId: ahead.takeId, el: p };
    }
    if (this.queue.length <= 3 && !this.exhausted && !this.loopLineId)
      void this.fill(this.queue[this.queue.length - 1].end).catch(
        (err: unknown) => tok === this.token && this.fail(err),
      );
  }

  private lineEnded(span: TimelineSpan, tok: number): void {
    if (tok !== this.token) return;
    if (this.el) {
      this.el.onended = null;
      this.el.onerror = null;
    }
    this.el = null;
    this.span = null;
    this.bedTrack?.voice(false);
    if (this.loopLineId === span.lineId) {
      this.startLine(span, 0, tok);
      return;
    }
    this.queue.shift();
    this.last = span.end;
    if (!this.queue.length && !this.exhausted) {
      this.silence = { at: span.end, since: performance.now() };
      void this.fill(span.end)
        .then(() => this.advance(this.position(), tok))
        .catch((err: unknown) => tok === this.token && this.fail(err));
      return;
    }
    this.advance(span.end, tok);
  }
}
