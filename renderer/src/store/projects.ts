import { create } from 'zustand';
import type { Project } from '../../../preload/contract/index.js';
import { api } from '../api';

interface ProjectsState {
  projects: Project[];
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  refresh(): Promise<void>;
  create(name: string, language?: string): Promise<Project>;
  rename(id: string, name: string): Promise<Project>;
  remove(id: string): Promise<void>;
}

/** Projects this window deleted itself (so `project.deleted` is not reported as coming from elsewhere). */
export const deletedHere = new Set<string>();

const byRecent = (a: Project, b: Project) => b.updatedAt.localeCompare(a.updatedAt);

export const useProjects = create<ProjectsState>((set, get) => ({
  projects: [],
  status: 'idle',
  error: null,
  async refresh() {
    if (get().status !== 'ready') set({ status: 'loading' });
    try {
      const projects = await api().call('projects.list', {});
      set({ projects: [...projects].sort(byRecent), status: 'ready', error: null });
    } catch (err) {
      set({ status: 'error', error: err instanceof Error ? err.message : String(err) });
    }
  },
  async create(name, language) {
    const p = await api().call('projects.create', language ? { name, language } : { name });
    set((s) => ({ projects: [p, ...s.projects.filter((x) => x.id !== p.id)] }));
    return p;
  },
  async rename(id, name) {
    const p = await api().call('projects.rename', { id, name });
    set((s) => ({ projects: s.projects.map((x) => (x.id === id ? p : x)) }));
    return p;
  },
  async remove(id) {
    deletedHere.add(id);
    try {
      await api().call('projects.delete', { id });
    } catch (err) {
      deletedHere.delete(id);
      throw err;
    }
    set((s) => ({ projects: s.projects.filter((x) => x.id !== id) }));
  },
}));
