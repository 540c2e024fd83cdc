import type { ClientApi } from '../api';
import { StreamPlayer } from '../audio/stream';
import { useConnection } from './connection';
import { useModels } from './models';
import { useNav } from './nav';
import { deletedHere, useProjects } from './projects';
import { isActive, useStudio } from './studio';
import { useLibrary, useRecorder } from './voices';
import { create } from 'zustand';

const LIVE_KEY = 'timbre.liveListen';

interface LiveState {
  enabled: boolean;
  toggle(): void;
}

/** "Listen while generating": streams job audio through Web Audio. */
export const useLiveListen = create<LiveState>((set, get) => ({
  enabled: localStorage.getItem(LIVE_KEY) === '1',
  toggle() {
    const enabled = !get().enabled;
    localStorage.setItem(LIVE_KEY, enabled ? '1' : '0');
    if (!enabled) player.stop();
    set({ enabled });
  },
}));

const player = new StreamPlayer();

/** Route core events into the stores. Returns an unsubscribe function. */
export function wireEvents(api: ClientApi, onProjectDeletedElsewhere: (name: string) => void): () => void {
  let projectsTimer: number | undefined;
  let studioTimer: number | undefined;
  const refreshProjects = () => {
    window.clearTimeout(projectsTimer);
    projectsTimer = window.setTimeout(() => void useProjects.getState().refresh(), 150);
  };
  const refreshStudio = () => {
    window.clearTimeout(studioTimer);
    studioTimer = window.setTimeout(() => void useStudio.getState().refresh(), 150);
  };

  const offs = [
    api.on('job.updated', (job) => {
      useStudio.getState().applyJob(job);
      if (!isActive(job)) player.end(job.id);
    }),
    api.on('job.audio', (chunk) => {
      if (useLiveListen.getState().enabled) player.push(chunk);
    }),
    api.on('project.changed', ({ projectId }) => {
      if (useStudio.getState().projectId === projectId) refreshStudio();
      refreshProjects();
    }),
    api.on('project.deleted', ({ projectId }) => {
      const studio = useStudio.getState();
      if (studio.projectId === projectId) {
        const name = studio.project?.name ?? '';
        studio.close();
        if (useNav.getState().view === 'studio') useNav.getState().closeProject();
        else useNav.setState({ projectId: null });
        if (!deletedHere.has(projectId)) onProjectDeletedElsewhere(name);
      } else if (useNav.getState().projectId === projectId) {
        useNav.setState({ projectId: null });
      }
      deletedHere.delete(projectId);
      refreshProjects();
    }),
    api.on('projects.changed', refreshProjects),
    api.on('model.progress', (p) => useModels.getState().applyProgress(p)),
    api.on('model.updated', ({ pack, error }) => useModels.getState().applyUpdate(pack, error)),
    api.on('recorder.level', (level) => useRecorder.getState().applyLevel(level)),
    api.on('recorder.state', (status) => useRecorder.getState().apply(status)),
    api.onConnection((state) => {
      const before = useConnection.getState().state;
      useConnection.setState({ state });
      if (state === 'open' && (before === 'reconnecting' || before === 'unauthorized')) {
        // Events may have been missed while away: resynchronise everything visible.
        refreshProjects();
        if (useModels.getState().status !== 'idle') void useModels.getState().load(true);
        if (useLibrary.getState().status !== 'idle') void useLibrary.getState().load(true);
        void useRecorder.getState().sync();
        const studio = useStudio.getState();
        if (studio.projectId) {
          void studio.refresh(true);
          studio.retrySaves();
        }
      }
    }),
  ];
  useConnection.setState({ state: api.connection });
  void useRecorder.getState().sync();
  return () => offs.forEach((off) => off());
}
