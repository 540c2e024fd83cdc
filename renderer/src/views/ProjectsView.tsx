import { useEffect, useRef, useState, type FormEvent } from 'react';
import { LIMITS, type Project } from '../../../preload/contract/index.js';
import { errorMessage } from '../api';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { EmptyState } from '../components/EmptyState';
import { Icon } from '../components/Icon';
import { useT } from '../i18n/useT';
import type { Translator } from '../i18n';
import { useNav } from '../store/nav';
import { useProjects } from '../store/projects';
import { announce, toast } from '../store/toasts';
import { LanguageSelect } from '../features/voices/LanguageSelect';

export function relativeTime(iso: string, t: Translator): string {
  const diff = (Date.parse(iso) - Date.now()) / 1000;
  if (!Number.isFinite(diff)) return iso;
  const rtf = new Intl.RelativeTimeFormat(t.locale, { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 45) return rtf.format(0, 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  if (abs < 86400 * 7) return rtf.format(Math.round(diff / 86400), 'day');
  return new Date(iso).toLocaleDateString(t.locale, { year: 'numeric', month: 'short', day: 'numeric' });
}

export const isMac = typeof navigator !== 'undefined' && /Mac/i.test(navigator.platform);
const newShortcut = isMac ? '⌘N' : 'Ctrl+N';

export function ProjectsView() {
  const t = useT();
  const { projects, status, error, refresh } = useProjects();
  const openProject = useNav((s) => s.openProject);
  const [creating, setCreating] = useState(false);
  const [toDelete, setToDelete] = useState<Project | null>(null);
  const [deleting, setDeleting] = useState(false);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && e.key.toLowerCase() === 'n') {
        e.preventDefault();
        setCreating(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const confirmDelete = async () => {
    if (!toDelete) return;
    setDeleting(true);
    try {
      await useProjects.getState().remove(toDelete.id);
      toast.success(t('projects.deleted', { name: toDelete.name }));
      if (useNav.getState().projectId === toDelete.id) useNav.setState({ projectId: null });
      setToDelete(null);
    } catch (err) {
      toast.error(errorMessage(err));
    } finally {
      setDeleting(false);
    }
  };

  return (
    <section className="view" aria-labelledby="projects-title">
      <header className="view-header">
        <div>
          <h1 id="projects-title">{t('projects.title')}</h1>
          <p className="subtitle">{t('projects.subtitle')}</p>
        </div>
        {projects.length > 0 && !creating && (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setCreating(true)}
            title={t('projects.newShortcut', { shortcut: newShortcut })}
            aria-keyshortcuts={isMac ? 'Meta+N' : 'Control+N'}
          >
            <Icon name="plus" size={16} />
            {t('projects.new')}
          </button>
        )}
      </header>

      {creating && (
        <NewProjectForm
          onDone={(p) => {
            setCreating(false);
            if (p) openProject(p.id);
          }}
        />
      )}

      {status === 'error' && (
        <div className="banner banner-error" role="alert">
          <Icon name="alert" size={16} />
          <span>{t('projects.loadFailed', { message: error ?? '' })}</span>
          <button type="button" className="btn btn-sm" onClick={() => void refresh()}>
            {t('common.retry')}
          </button>
        </div>
      )}

      {status === 'loading' && projects.length === 0 && (
        <div className="loading-block" aria-busy="true">
          <span className="spinner" aria-hidden="true" />
          {t('common.loading')}
        </div>
      )}

      {status === 'ready' && projects.length === 0 && !creating && (
        <EmptyState
          icon="projects"
          title={t('projects.emptyTitle')}
          action={
            <button type="button" className="btn btn-primary btn-lg" onClick={() => setCreating(true)}>
              <Icon name="plus" size={16} />
              {t('projects.emptyAction')}
            </button>
          }
        >
          {t('projects.emptyBody')}
        </EmptyState>
      )}

      {projects.length > 0 && (
        <ul className="project-list" aria-label={t('projects.listLabel')}>
          {projects.map((p) => (
            <ProjectItem key={p.id} project={p} onOpen={() => openProject(p.id)} onDelete={() => setToDelete(p)} />
          ))}
        </ul>
      )}

      <ConfirmDialog
        open={!!toDelete}
        title={t('projects.deleteTitle', { name: toDelete?.name ?? '' })}
        confirmLabel={t('common.delete')}
        danger
        busy={deleting}
        onConfirm={() => void confirmDelete()}
        onClose={() => setToDelete(null)}
      >
        {t('projects.deleteBody', { count: toDelete?.lineCount ?? 0 })}
      </ConfirmDialog>
    </section>
  );
}

function NewProjectForm({ onDone }: { onDone(p: Project | null): void }) {
  const t = useT();
  const [name, setName] = useState('');
  const [language, setLanguage] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => ref.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setError(t('projects.nameRequired'));
      ref.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const p = await useProjects.getState().create(trimmed, language || undefined);
      announce(t('projects.created', { name: p.name }));
      onDone(p);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <form className="card new-project" onSubmit={(e) => void submit(e)} aria-label={t('projects.new')}>
      <label htmlFor="new-project-name" className="field-label">
        {t('projects.nameLabel')}
      </label>
      <div className="new-project-row">
        <input
          id="new-project-name"
          ref={ref}
          className="input"
          value={name}
          maxLength={LIMITS.projectNameMax}
          placeholder={t('projects.namePlaceholder')}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'new-project-error' : undefined}
          onChange={(e) => {
            setName(e.target.value);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') onDone(null);
          }}
        />
        <LanguageSelect value={language} onChange={setLanguage} label={t('lang.projectLanguage')} auto />
        <button type="button" className="btn" onClick={() => onDone(null)}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t('projects.creating') : t('projects.create')}
        </button>
      </div>
      {error && (
        <p id="new-project-error" className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function ProjectItem({ project, onOpen, onDelete }: { project: Project; onOpen(): void; onDelete(): void }) {
  const t = useT();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(project.name);
  const ref = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (editing) {
      ref.current?.focus();
      ref.current?.select();
    }
  }, [editing]);

  const commit = async () => {
    const next = name.trim();
    setEditing(false);
    if (!next || next === project.name) {
      setName(project.name);
      return;
    }
    try {
      await useProjects.getState().rename(project.id, next);
      announce(t('projects.renamed', { name: next }));
    } catch (err) {
      setName(project.name);
      toast.error(errorMessage(err));
    }
  };

  return (
    <li className="project-item" data-project-id={project.id}>
      <div className="project-icon" aria-hidden="true">
        <Icon name="wave" size={20} />
      </div>
      <div className="project-info">
        {editing ? (
          <input
            ref={ref}
            className="input input-inline"
            value={name}
            maxLength={LIMITS.projectNameMax}
            aria-label={t('projects.nameLabel')}
            onChange={(e) => setName(e.target.value)}
            onBlur={() => void commit()}
            onKeyDown={(e) => {
              if (e.key === 'Enter') void commit();
              if (e.key === 'Escape') {
                setName(project.name);
                setEditing(false);
              }
            }}
          />
        ) : (
          <button type="button" className="project-name" onClick={onOpen} onDoubleClick={() => setEditing(true)}>
            {project.name}
          </button>
        )}
        <div className="project-meta">
          {t.plural('projects.lines', project.lineCount)} ·{' '}
          {t('projects.updated', { when: relativeTime(project.updatedAt, t) })}
        </div>
      </div>
      <div className="project-actions">
        <button
          type="button"
          className="icon-btn"
          aria-label={t('projects.renameNamed', { name: project.name })}
          title={t('common.rename')}
          onClick={() => setEditing(true)}
        >
          <Icon name="edit" size={16} />
        </button>
        <button
          type="button"
          className="icon-btn icon-btn-danger"
          aria-label={t('projects.deleteNamed', { name: project.name })}
          title={t('common.delete')}
          onClick={onDelete}
        >
          <Icon name="trash" size={16} />
        </button>
        <button
          type="button"
          className="btn btn-sm"
          aria-label={t('projects.openNamed', { name: project.name })}
          onClick={onOpen}
        >
          {t('projects.open')}
        </button>
      </div>
    </li>
  );
}
