import { events, type EventName } from '../../../preload/contract/index.js';

/** Validate an incoming event; unknown or malformed events are dropped (and logged) rather than crash the UI. */
export function parseEvent(event: unknown, payload: unknown): { event: EventName; payload: unknown } | null {
  if (typeof event !== 'string' || !Object.prototype.hasOwnProperty.call(events, event)) return null;
  const name = event as EventName;
  const parsed = events[name].safeParse(payload);
  if (!parsed.success) {
    console.warn(`Ignoring malformed ${name} event`, parsed.error.issues);
    return null;
  }
  return { event: name, payload: parsed.data };
}
