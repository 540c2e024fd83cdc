import type { EventName, EventPayload, TimbreApi } from '../../../preload/contract/index.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

/** The contract's API plus what the UI needs to know about the link itself. */
export interface ClientApi extends TimbreApi {
  /** Event stream health (always 'open' in Electron). */
  onConnection(listener: (state: ConnectionState) => void): () => void;
  readonly connection: ConnectionState;
}

export type Listener<E extends EventName> = (payload: EventPayload<E>) => void;

/** A tiny typed event hub shared by the transports. */
export class EventHub {
  private listeners = new Map<string, Set<(payload: unknown) => void>>();

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  emit(event: string, payload: unknown): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(payload);
      } catch (err) {
        console.error(`listener for ${event} failed`, err);
      }
    }
  }
}
