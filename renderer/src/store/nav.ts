import { create } from 'zustand';

export type View = 'projects' | 'studio' | 'voices' | 'models' | 'settings' | 'privacy' | 'dub';
export const VIEWS: View[] = ['projects', 'studio', 'voices', 'models', 'settings', 'privacy', 'dub'];

interface Route {
  view: View;
  projectId: string | null;
}

const KEY = 'timbre.route';

function restore(): Route {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (raw) {
      const r = JSON.parse(raw) as Partial<Route>;
      if (r.view && VIEWS.includes(r.view)) return { view: r.view, projectId: r.projectId ?? null };
    }
  } catch {
    // ignore
  }
  return { view: 'projects', projectId: null };
}

interface NavState extends Route {
  go(view: View): void;
  openProject(projectId: string): void;
  closeProject(): void;
}

/** Where the window is; kept in sessionStorage so a reload comes back to the same place. */
export const useNav = create<NavState>((set) => ({
  ...restore(),
  go: (view) => set({ view }),
  openProject: (projectId) => set({ view: 'studio', projectId }),
  closeProject: () => set({ view: 'projects', projectId: null }),
}));

useNav.subscribe((s) => {
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ view: s.view, projectId: s.projectId }));
  } catch {
    // ignore
  }
});
