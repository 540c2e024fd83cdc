import { create } from 'zustand';
import type { ConnectionState } from '../api';

interface ConnState {
  state: ConnectionState;
  /** The server rejected our token. */
  unauthorized: boolean;
  /** Why the last new token (opened URL or pasted) was not taken; null when none failed. */
  tokenError: string | null;
}

export const useConnection = create<ConnState>(() => ({ state: 'connecting', unauthorized: false, tokenError: null }));
