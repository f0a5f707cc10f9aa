import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { eventsUrl, wsUrl } from '../api/client';
import { subscribeSettings, getSettings } from '../settings/settings-store';
import { LIVE_EVENT_TYPES } from './prompt-activity';
import { createLiveConnection, INITIAL_LIVE_STATE, useLiveState, type LiveConnection, type LiveState } from './live-connection';

const LiveContext = createContext<LiveConnection | null>(null);

/** Opens the /ws connection for the app's lifetime; a new API key reconnects it. */
export function LiveProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [connection, setConnection] = useState<LiveConnection | null>(null);
  useEffect(() => {
    const live = createLiveConnection({
      url: () => wsUrl(window.location),
      eventsUrl: (since) => eventsUrl(LIVE_EVENT_TYPES, since),
      onQueueChange: () => {
        void queryClient.invalidateQueries({ queryKey: ['queue'] });
        void queryClient.invalidateQueries({ queryKey: ['backends'] });
        void queryClient.invalidateQueries({ queryKey: ['jobs'] });
      },
    });
    setConnection(live);
    let key = getSettings().apiKey;
    const unsubscribe = subscribeSettings(() => {
      if (getSettings().apiKey === key) return;
      key = getSettings().apiKey;
      live.reconnect();
    });
    return () => {
      unsubscribe();
      live.close();
    };
  }, [queryClient]);
  return <LiveContext.Provider value={connection}>{children}</LiveContext.Provider>;
}

const OFFLINE: LiveState = INITIAL_LIVE_STATE;
const NOOP_CONNECTION: LiveConnection = {
  getState: () => OFFLINE,
  subscribe: () => () => undefined,
  retain: () => undefined,
  reconnect: () => undefined,
  close: () => undefined,
};

/** The live state (offline until the socket opens). */
export function useLive(): LiveState {
  return useLiveState(useContext(LiveContext) ?? NOOP_CONNECTION);
}

/** The connection itself, for retain(). */
export function useLiveConnection(): LiveConnection {
  return useContext(LiveContext) ?? NOOP_CONNECTION;
}
