/**
 * The Dub view's "Transcribe" and "Find speakers" actions (issue #11, docs/dubbing.md "Speakers and transcripts"):
 * segments from the ASR pack's transcript, and speaker labels from the speaker-embedding pack (with an optional
 * known speaker count), with progress from `dub.analysis` and a cancel. A missing pack is the core's plain error
 * (which pack to install), shown as a toast.
 */
import { useEffect, useState } from 'react';
import { create } from 'zustand';
import type {
  DubAnalysisProgress,
  DubProjectDetail,
  DubSpeakersResult,
  DubTranscribeResult,
} from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { Icon } from '../../components/Icon';
import { useT } from '../../i18n/useT';
import { toast } from '../../store/toasts';
import { useDub } from './dubStore';

interface AnalysisState {
  /** The running analysis, with its last progress. */
  running: { projectId: string; task: DubAnalysisProgress['task']; fraction: number } | null;
  findSpeakers(projectId: string, speakers: number | null): Promise<DubSpeakersResult | null>;
  transcribe(projectId: string): Promise<DubTranscribeResult | null>;
  cancel(): Promise<void>;
}

/** Runs one analysis call; its project detail replaces the open one; a refusal (not a cancel) is shown. */
async function analyse<T extends { project: DubProjectDetail }>(
  set: (s: Partial<AnalysisState>) => void,
  projectId: string,
  task: DubAnalysisProgress['task'],
  fn: () => Promise<T>,
): Promise<T | null> {
  set({ running: { projectId, task, fraction: 0 } });
  try {
    const r = await fn();
    if (useDub.getState().project?.id === projectId) useDub.setState({ project: r.project });
    return r;
  } catch (err) {
    if ((err as { code?: string }).code !== 'CANCELLED') toast.error(errorMessage(err));
    return null;
  } finally {
    set({ running: null });
  }
}

export const useDubAnalysis = create<AnalysisState>((set, get) => ({
  running: null,
  findSpeakers: (projectId, speakers) =>
    analyse(set, projectId, 'speakers', () =>
      api().call('dub.findSpeakers', { projectId, ...(speakers ? { speakers } : {}) }),
    ),
  transcribe: (projectId) =>
    analyse(set, projectId, 'transcript', () => api().call('dub.transcribe', { projectId, asText: false })),
  async cancel() {
    const r = get().running;
    if (!r) return;
    try {
      await api().call('dub.cancelAnalysis', { projectId: r.projectId });
    } catch (err) {
      toast.error(errorMessage(err));
    }
  },
}));

export function DubAnalysisTools({
  project,
  onSeek,
}: {
  project: DubProjectDetail;
  /** Put the player (and the timeline's playhead) at a time: "Go to the change" of a segment with two voices. */
  onSeek(seconds: number): void;
}) {
  const t = useT();
  const running = useDubAnalysis((s) => s.running);
  const [count, setCount] = useState('');
  // Segments where Find speakers heard two voices, until the next run (an edited or split segment drops out).
  const [mixed, setMixed] = useState<{ projectId: string; items: DubSpeakersResult['mixed'] } | null>(null);
  const stillMixed = (mixed?.projectId === project.id ? mixed.items : []).flatMap((m) => {
    const seg = project.segmentList.find((x) => x.id === m.segmentId && x.start === m.start && x.end === m.end);
    return seg ? [{ ...m, n: seg.index + 1, index: seg.index }] : [];
  });
  useEffect(
    () =>
      api().on('dub.analysis', (e) => {
        const r = useDubAnalysis.getState().running;
        if (r && r.projectId === e.projectId && r.task === e.task)
          useDubAnalysis.setState({ running: { ...r, fraction: e.fraction } });
      }),
    [],
  );
  if (!project.media.audio) return null;
  const mine = running?.projectId === project.id ? running : null;
  const n = Number(count);
  const known = count.trim() && Number.isInteger(n) && n >= 1 && n <= 200 ? n : null;
  return (
    <div className="dub-analysis" data-testid="dub-analysis">
      <button
        type="button"
        className="btn"
        disabled={!!running}
        onClick={async () => {
          const r = await useDubAnalysis.getState().transcribe(project.id);
          if (r)
            toast.success(
              t('dub.transcribed', { words: r.words, added: r.added, filled: r.filled, covered: r.covered }),
            );
        }}
      >
        <Icon name="edit" size={14} /> {mine?.task === 'transcript' ? t('dub.transcribing') : t('dub.transcribe')}
      </button>
      <button
        type="button"
        className="btn"
        disabled={!!running || !project.segmentList.length || (!!count.trim() && !known)}
        onClick={async () => {
          const r = await useDubAnalysis.getState().findSpeakers(project.id, known);
          if (!r) return;
          setMixed({ projectId: project.id, items: r.mixed });
          const notes = [
            t('dub.speakersFound', { names: r.speakers.map((s) => `${s.name} (${s.segments})`).join(', ') }),
            r.joined.length ? t('dub.speakersJoined', { n: r.joined.length }) : '',
            r.skipped.length ? t('dub.speakersSkipped', { n: r.skipped.length }) : '',
            r.locked ? t('dub.speakersLocked', { n: r.locked }) : '',
            r.mixed.length ? t('dub.speakersMixed', { n: r.mixed.length }) : '',
          ];
          toast.success(notes.filter(Boolean).join(' '));
        }}
      >
        <Icon name="users" size={14} /> {mine?.task === 'speakers' ? t('dub.findingSpeakers') : t('dub.findSpeakers')}
      </button>
      <label className="dub-speaker-count">
        {t('dub.speakerCount')}
        <input
          type="number"
          min={1}
          max={200}
          step={1}
          inputMode="numeric"
          placeholder={t('dub.speakerCountAuto')}
          value={count}
          disabled={!!running}
          onChange={(e) => setCount(e.target.value)}
        />
      </label>
      {mine && (
        <>
          <progress max={1} value={mine.fraction} aria-label={t('dub.analysisProgress')} />
          <button type="button" className="btn" onClick={() => void useDubAnalysis.getState().cancel()}>
            <Icon name="x" size={14} /> {t('dub.cancel')}
          </button>
        </>
      )}
      {stillMixed.length > 0 && (
        <section className="dub-mixed" aria-label={t('dub.mixedTitle')}>
          <p className="small">{t('dub.mixedIntro')}</p>
          <ul>
            {stillMixed.map((m) => (
              <li key={m.segmentId}>
                {t('dub.mixedItem', {
                  n: m.n,
                  first: m.speakers[0],
                  second: m.speakers[1],
                  at: m.at.toFixed(1),
                })}{' '}
                <button
                  type="button"
                  className="btn btn-sm"
                  aria-label={t('dub.mixedGoLabel', { n: m.n })}
                  onClick={() => {
                    onSeek(m.at);
                    useDub.getState().select(m.index);
                  }}
                >
                  {t('dub.mixedGo')}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}
