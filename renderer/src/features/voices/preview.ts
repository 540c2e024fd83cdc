import { create } from 'zustand';
import { api, errorMessage } from '../../api';

/**
 * Listening to an engine voice before choosing it: `voices.preview` (a short sentence in the voice's language, made
 * once and cached by the core) played from a blob: URL, itself kept for the session, so a second listen is instant.
 * One preview plays at a time.
 */
interface PreviewState {
  /** The voice whose preview is loading or playing, or null. */
  voiceId: string | null;
  phase: 'idle' | 'loading' | 'playing';
  error: string | null;
  toggle(voiceId: string): Promise<void>;
  stop(): void;
}

const urls = new Map<string, string>();
let audio: HTMLAudioElement | null = null;

function toBlobUrl(base64: string): string {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return URL.createObjectURL(new Blob([bytes], { type: 'audio/wav' }));
}

export const useVoicePreview = create<PreviewState>((set, get) => ({
  voiceId: null,
  phase: 'idle',
  error: null,
  stop() {
    audio?.pause();
    audio = null;
    set({ voiceId: null, phase: 'idle' });
  },
  async toggle(voiceId) {
    if (get().voiceId === voiceId && get().phase !== 'idle') return get().stop();
    get().stop();
    set({ voiceId, phase: 'loading', error: null });
    try {
      let url = urls.get(voiceId);
      if (!url) {
        const r = await api().call('voices.preview', { voiceId });
        url = toBlobUrl(r.wav);
        urls.set(voiceId, url);
      }
      if (get().voiceId !== voiceId) return; // another preview was asked for meanwhile
      const el = new Audio(url);
      audio = el;
      el.onended = () => audio === el && set({ voiceId: null, phase: 'idle' });
      set({ phase: 'playing' });
      await el.play();
    } catch (err) {
      if (get().voiceId === voiceId) set({ voiceId: null, phase: 'idle', error: errorMessage(err) });
    }
  },
}));
