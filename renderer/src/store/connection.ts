import { create } from 'zustand';
import type { ConnectionState } from '../api';

interface ConnState {
  state: ConnectionState;
  /** The server rejected our token. */
  unauthorized: boolean;
}

export const useConnection = create<ConnState>(() => ({ state: 'connecting', unauthorized: false }));
