/**
 * Contract domain `timeline`: the Studio timeline at any length. The overview of a window of the episode comes from
 * the takes' stored waveform peaks and the episode layout (never from decoded audio), so its cost depends on the
 * window and the bucket count, not on the episode's length. Process-neutral: zod only.
 */
import { z } from 'zod';
import { Id, call } from './common.js';

export const TIMELINE_LIMITS = {
  /** Buckets (about one per pixel) in one overview answer: a wide screen at 2× is under 8 000 pixels. */
  overviewBucketsMax: 8_000,
  /** Line spans in one answer; a window with more lines answers groups of lines instead (zoomed far out). */
  overviewSpansMax: 1_500,
  /** Groups of lines in one answer. */
  overviewGroupsMax: 400,
  /** Chapter markers in one answer. */
  overviewChaptersMax: 2_000,
  /** Characters of a line's text in its label. */
  labelChars: 60,
  /** Latest time a window may reach (48 h, well past any episode). */
  windowSecondsMax: 48 * 3600,
  /** Lines in one playback queue answer. */
  playQueueMax: 50,
} as const;

const Seconds = z.number().finite().min(0).max(TIMELINE_LIMITS.windowSecondsMax);

export const TimelineSpan = z.object({
  lineId: Id,
  /** 1-based line number in the script (as the line list shows it). */
  number: z.number().int().positive(),
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  /** The start of the line's text (inline tags removed), for the label. */
  label: z.string(),
  speaker: z.string().nullable(),
  takeId: Id,
});
export type TimelineSpan = z.infer<typeof TimelineSpan>;

/** Consecutive lines shown as one block when the window holds too many to draw one by one. */
export const TimelineGroup = z.object({
  start: z.number().nonnegative(),
  end: z.number().nonnegative(),
  count: z.number().int().positive(),
  firstNumber: z.number().int().positive(),
  lastNumber: z.number().int().positive(),
  firstLineId: Id,
});
export type TimelineGroup = z.infer<typeof TimelineGroup>;

export const TimelineOverview = z.object({
  projectId: Id,
  /** Changes whenever the layout or any active take changes. */
  rev: z.string(),
  durationSeconds: z.number().nonnegative(),
  /** Lines with audio in the whole episode. */
  lineCount: z.number().int().nonnegative(),
  from: z.number().nonnegative(),
  to: z.number().nonnegative(),
  buckets: z.number().int().positive(),
  /** Resolution of the stored peaks the buckets were combined from (pairs per second). */
  peaksPerSecond: z.union([z.literal(5), z.literal(50)]),
  /** Min/max per bucket, interleaved (2 × buckets), in [-1, 1]; silence (gaps, past the end) is 0. */
  peaks: z.array(z.number().min(-1).max(1)),
  /** Lines that intersect the window, in order; empty when `groups` is used. */
  lines: z.array(TimelineSpan),
  /** Set instead of `lines` when the window holds more than `overviewSpansMax` lines. */
  groups: z.array(TimelineGroup),
  /** Chapter markers inside the window. */
  chapters: z.array(z.object({ title: z.string(), start: z.number().nonnegative(), lineId: Id })),
});
export type TimelineOverview = z.infer<typeof TimelineOverview>;

export const timelineMethods = {
  /**
   * The window [from, to] of the episode as `buckets` min/max pairs combined from the takes' stored peaks (5 or 50
   * per second, whichever the window's resolution needs), with the lines (or groups of lines) and chapters in it.
   */
  'timeline.overview': call(
    z
      .object({
        projectId: Id,
        from: Seconds,
        /** Omitted: the end of the episode (the whole episode from `from`; the answer says where that is). */
        to: Seconds.optional(),
        buckets: z.number().int().min(1).max(TIMELINE_LIMITS.overviewBucketsMax),
      })
      .strict()
      .refine((v) => v.to === undefined || v.to > v.from, {
        message: 'The window must end after it starts (to > from)',
        path: ['to'],
      }),
    TimelineOverview,
  ),
  /**
   * Preview playback, line by line: the lines with audio that play at or after `from` (the first one may have
   * started before it), or from the start of line `lineId`, with their takes, for the player to queue one after
   * the other.
   */
  'timeline.playQueue': call(
    z
      .object({
        projectId: Id,
        from: Seconds.optional(),
        lineId: Id.optional(),
        count: z.number().int().min(1).max(TIMELINE_LIMITS.playQueueMax).default(8),
      })
      .strict()
      .refine((v) => (v.from === undefined) !== (v.lineId === undefined), 'Give either from or lineId'),
    z.object({
      rev: z.string(),
      durationSeconds: z.number().nonnegative(),
      lines: z.array(TimelineSpan),
    }),
  ),
} as const;
