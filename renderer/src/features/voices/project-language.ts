/**
 * The open project's language (issue 14): choosing it, and the languages to offer (those of the installed voices and
 * of the engines' language packs, and the project's own).
 */
import type { EngineInfo, VoiceInfo } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';
import { toast } from '../../store/toasts';
import { useProjects } from '../../store/projects';
import { useStudio } from '../../store/studio';
import { languageLabel, primaryLanguage } from './languages';

/** Sets the open project's language (optimistic; restored with a message when refused). */
export async function setProjectLanguage(language: string): Promise<boolean> {
  const { projectId, project } = useStudio.getState();
  if (!projectId || !project) return false;
  useStudio.setState({ project: { ...project, language } });
  try {
    const p = await api().call('projects.setLanguage', { id: projectId, language });
    useProjects.setState((s) => ({ projects: s.projects.map((x) => (x.id === p.id ? p : x)) }));
    return true;
  } catch (err) {
    useStudio.setState((s) => ({ project: s.project ? { ...s.project, language: project.language } : s.project }));
    toast.error(errorMessage(err));
    return false;
  }
}

/** Primary language subtags to offer, named in the UI's language, sorted by name. */
export function languageChoices(
  voices: readonly VoiceInfo[],
  engines: readonly EngineInfo[],
  locale: string,
  extra: readonly string[] = [],
): { code: string; name: string }[] {
  const codes = new Set<string>();
  for (const v of voices) codes.add(primaryLanguage(v.language));
  for (const e of engines) for (const l of e.languages ?? []) codes.add(primaryLanguage(l.language));
  for (const c of extra) codes.add(primaryLanguage(c));
  codes.delete('mul');
  return [...codes]
    .filter((c) => /^[a-z]{2,3}$/.test(c))
    .map((code) => ({ code, name: languageLabel(code, locale) }))
    .sort((a, b) => a.name.localeCompare(b.name, locale));
}
