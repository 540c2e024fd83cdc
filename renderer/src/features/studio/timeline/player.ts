/**
 * Preview playback line by line: the lines that play from a given time come from `timeline.playQueue` a few at a
 * time, each line plays its take file in an <audio> element (the next one is preloaded), and the gap between lines
 * is timed by the clock. Nothing ever builds a mix of the episode, so starting at 9:59:00 of a 10-hour project
 * costs the same as starting at 0:00. The music bed is not part of the preview (it is mixed at export).
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

  constructor(
    private readonly projectId: string,
    private readonly events: PlayerEvents,
  ) {}

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
  }

  private halt(): void {
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
