import type { EventName, EventPayload, TimbreApi } from '../../../preload/contract/index.js';

/** 'unauthorized': the server answers but refuses this page's token (web mode: `timbre serve` restarted). */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'unauthorized';

/** The contract's API plus what the UI needs to know about the link itself. */
export interface ClientApi extends TimbreApi {
  /** Event stream health (always 'open' in Electron). */
  onConnection(listener: (state: ConnectionState) => void): () => void;
  readonly connection: ConnectionState;
  /**
   * Web mode: try another access token (from the new URL of a restarted server). Resolves true when the server
   * accepts it (the event socket then reconnects with it), false when it refuses it; rejects when unreachable.
   */
  switchToken?(token: string): Promise<boolean>;
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
