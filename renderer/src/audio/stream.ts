import type { EventPayload } from '../../../preload/contract/index.js';

/**
 * Plays the PCM chunks of one running job as they arrive (`job.audio` events), so a line can be heard while it is
 * still being generated. Follows one job at a time; chunks of other jobs are ignored until it ends.
 */
export class StreamPlayer {
  private ctx: AudioContext | null = null;
  private jobId: string | null = null;
  private nextTime = 0;
  private lastSeq = -1;

  push(chunk: EventPayload<'job.audio'>): void {
    if (this.jobId && this.jobId !== chunk.jobId) return;
    if (chunk.seq <= this.lastSeq && this.jobId === chunk.jobId) return;
    this.jobId = chunk.jobId;
    this.lastSeq = chunk.seq;
    const ctx = (this.ctx ??= new AudioContext());
    if (ctx.state === 'suspended') void ctx.resume();
    const bytes = Uint8Array.from(atob(chunk.pcm16), (c) => c.charCodeAt(0));
    const samples = Math.floor(bytes.length / 2);
    if (samples === 0) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, samples * 2);
    const buffer = ctx.createBuffer(1, samples, chunk.sampleRate);
    const data = buffer.getChannelData(0);
    for (let i = 0; i < samples; i++) data[i] = view.getInt16(i * 2, true) / 32768;
    const src = ctx.createBufferSource();
    src.buffer = buffer;
    src.connect(ctx.destination);
    const at = Math.max(ctx.currentTime + 0.05, this.nextTime);
    src.start(at);
    this.nextTime = at + buffer.duration;
  }

  /** The followed job ended: accept the next one. */
  end(jobId: string): void {
    if (this.jobId === jobId) {
      this.jobId = null;
      this.lastSeq = -1;
    }
  }

  stop(): void {
    void this.ctx?.close();
    this.ctx = null;
    this.jobId = null;
    this.nextTime = 0;
    this.lastSeq = -1;
  }
}
