/** English strings of issue 15's newcomer fixes: reconnecting after a restart, cloning availability, voice browsing, exports. */
export const uxAppEn = {
  'reconnect.pasteLabel': 'New address or access key',
  'reconnect.go': 'Reconnect',
  'reconnect.notALink': 'Paste the whole address that timbre serve printed (it contains #token=…).',
  'reconnect.refused':
    'The server does not accept this key either: copy the address printed by the most recent timbre serve.',
  'reconnect.unreachable':
    'Timbre is not reachable at this address yet. Start it again with timbre serve, then open or paste the address it prints.',
} as const;
