/**
 * One cue on the Dub timeline (issue #11): the cue (click: play from it) and its two edges, which the user drags to
 * move the segment's start or end (pointer events, snapped to 10 ms, held between its neighbours and at least the
 * shortest segment long) or nudges from the keyboard (an edge is a slider: ←/→ 10 ms, Shift 100 ms, Home/End to the
 * neighbour). The core checks every change again and refuses overlaps; its refusal is shown and the cue goes back.
 * A moved edge can be undone (the toast's Undo, or Ctrl+Z on the edge).
 */
import { useRef, useState } from 'react';
import { DUB_PROJECT_LIMITS, type DubProjectSegment } from '../../../../preload/contract/index.js';
import { useT } from '../../i18n/useT';
import { toast } from '../../store/toasts';
import { useDub } from './dubStore';
import type { TimelineView } from './timelineView';

/** Edges snap to 10 ms. */
export const EDGE_SNAP_SECONDS = 0.01;
const snap = (s: number) => Math.round(s / EDGE_SNAP_SECONDS) * EDGE_SNAP_SECONDS;
const r3 = (s: number) => Math.round(s * 1000) / 1000;

type Edge = 'start' | 'end';

/**
 * Where an edge may go: between the previous segment's end (or 0) and the segment's end less the shortest length
 * (start), or between the start plus the shortest length and the next segment's start (or the media's end) (end).
 */
export function edgeRange(
  seg: Pick<DubProjectSegment, 'start' | 'end'>,
  edge: Edge,
  prev: Pick<DubProjectSegment, 'end'> | null,
  next: Pick<DubProjectSegment, 'start'> | null,
  duration: number,
): [number, number] {
  const min = DUB_PROJECT_LIMITS.segmentSecondsMin;
  return edge === 'start' ? [prev ? prev.end : 0, seg.end - min] : [seg.start + min, next ? next.start : duration];
}

/** An edge's new time: snapped to 10 ms, then held inside its range (the range's own ends are not snapped). */
export function placeEdge(want: number, range: [number, number]): number {
  return r3(Math.max(range[0], Math.min(range[1], snap(want))));
}

/** The last edge moved (Ctrl+Z on an edge undoes it). */
let lastMove: { segmentId: string; start: number; end: number } | null = null;
function remember(m: typeof lastMove): void {
  lastMove = m;
}
function forget(m: NonNullable<typeof lastMove>): void {
  if (lastMove === m) lastMove = null;
}
/** Undo the last edge move (once). */
function undoLastMove(): boolean {
  const m = lastMove;
  if (!m) return false;
  lastMove = null;
  void useDub.getState().edit({ segmentId: m.segmentId, start: m.start, end: m.end });
  return true;
}

export function DubCue({
  seg,
  prev,
  next,
  duration,
  view,
  selected,
  onSeek,
}: {
  seg: DubProjectSegment;
  prev: DubProjectSegment | null;
  next: DubProjectSegment | null;
  duration: number;
  /** The part of the media the timeline shows (positions are relative to it). */
  view: TimelineView;
  selected: boolean;
  onSeek(seconds: number, index: number): void;
}) {
  const t = useT();
  // The edge being dragged and where it is (the cue follows it until the core answers).
  const [draft, setDraft] = useState<{ edge: Edge; at: number } | null>(null);
  const start = draft?.edge === 'start' ? draft.at : seg.start;
  const end = draft?.edge === 'end' ? draft.at : seg.end;
  const pos = (s: number) => Math.max(0, Math.min(100, (100 * (s - view.start)) / view.span));
  const pct = (s: number) => `${pos(s)}%`;
  const inView = (s: number) => s >= view.start && s <= view.start + view.span;
  const n = seg.index + 1;

  const commit = async (edge: Edge, at: number) => {
    const before = { segmentId: seg.id, start: seg.start, end: seg.end };
    if (Math.abs(at - seg[edge]) < 1e-6) {
      setDraft(null);
      return;
    }
    // Remembered before the call, so Ctrl+Z right after the key press finds it; forgotten if the core refuses.
    remember(before);
    const ok = await useDub.getState().edit({ segmentId: seg.id, [edge]: at });
    setDraft(null);
    if (!ok) {
      forget(before);
      return; // the core's refusal is shown by the store; the cue stays where it was
    }
    toast.info(
      t('dub.edgeMoved', {
        n,
        start: (edge === 'start' ? at : seg.start).toFixed(2),
        end: (edge === 'end' ? at : seg.end).toFixed(2),
      }),
      { label: t('dub.undo'), run: () => void undoLastMove() },
    );
  };

  return (
    <>
      <button
        type="button"
        className={`dub-cue${selected ? ' selected' : ''}${seg.fit ? ` fit-${seg.stale ? 'stale' : seg.fit.fit}` : ''}`}
        style={{ left: pct(start), width: `${pos(end) - pos(start)}%` }}
        title={seg.text}
        aria-label={t('dub.segmentLabel', {
          n,
          start: start.toFixed(1),
          end: end.toFixed(1),
        })}
        onClick={() => onSeek(seg.start, seg.index)}
      />
      {/* An edge outside the window is not shown (it would sit on the window's border). */}
      {(['start', 'end'] as const)
        .filter((edge) => inView(edge === 'start' ? start : end) || draft?.edge === edge)
        .map((edge) => (
          <EdgeHandle
            key={edge}
            edge={edge}
            value={edge === 'start' ? start : end}
            saved={seg[edge]}
            range={edgeRange(seg, edge, prev, next, duration)}
            view={view}
            locked={seg.locked}
            dragging={draft?.edge === edge}
            label={t(edge === 'start' ? 'dub.edgeStart' : 'dub.edgeEnd', { n })}
            left={pct(edge === 'start' ? start : end)}
            onDraft={(at) => setDraft(at === null ? null : { edge, at })}
            onCommit={(at) => void commit(edge, at)}
          />
        ))}
    </>
  );
}

/** One edge of a cue: a slider the pointer drags and the keyboard nudges. */
function EdgeHandle({
  edge,
  value,
  saved,
  range,
  view,
  locked,
  dragging,
  label,
  left,
  onDraft,
  onCommit,
}: {
  edge: Edge;
  value: number;
  /** The edge's saved time (keyboard steps start from it). */
  saved: number;
  range: [number, number];
  view: TimelineView;
  locked: boolean;
  dragging: boolean;
  label: string;
  left: string;
  onDraft(at: number | null): void;
  onCommit(at: number): void;
}) {
  const drag = useRef<{ track: DOMRect; at: number; moved: boolean } | null>(null);
  return (
    <span
      role="slider"
      tabIndex={locked ? -1 : 0}
      aria-label={label}
      aria-valuemin={r3(range[0])}
      aria-valuemax={r3(range[1])}
      aria-valuenow={r3(value)}
      aria-valuetext={`${value.toFixed(2)} s`}
      aria-disabled={locked || undefined}
      data-testid={`dub-edge-${edge}`}
      className={`dub-cue-edge dub-cue-edge-${edge}${dragging ? ' dragging' : ''}`}
      style={{ left }}
      onPointerDown={(e) => {
        if (locked || e.button !== 0) return;
        const track = e.currentTarget.parentElement?.getBoundingClientRect();
        if (!track || track.width <= 0) return;
        e.preventDefault();
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { track, at: saved, moved: false };
        onDraft(saved);
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d) return;
        d.moved = true;
        d.at = placeEdge(view.start + ((e.clientX - d.track.left) / d.track.width) * view.span, range);
        onDraft(d.at);
      }}
      onPointerUp={(e) => {
        const d = drag.current;
        drag.current = null;
        if (!d) return;
        e.currentTarget.releasePointerCapture(e.pointerId);
        if (d.moved) onCommit(d.at);
        else onDraft(null);
      }}
      onPointerCancel={() => {
        drag.current = null;
        onDraft(null);
      }}
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') {
          if (undoLastMove()) e.preventDefault();
          return;
        }
        if (locked) return;
        const step = e.shiftKey ? 0.1 : EDGE_SNAP_SECONDS;
        const to =
          e.key === 'ArrowLeft' || e.key === 'ArrowDown'
            ? saved - step
            : e.key === 'ArrowRight' || e.key === 'ArrowUp'
              ? saved + step
              : e.key === 'Home'
                ? range[0]
                : e.key === 'End'
                  ? range[1]
                  : null;
        if (to === null) return;
        e.preventDefault();
        e.stopPropagation(); // not the view's shortcuts
        onCommit(placeEdge(to, range));
      }}
    />
  );
}
