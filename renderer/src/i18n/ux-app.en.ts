/** English strings of issue 15's newcomer fixes: reconnecting after a restart, cloning availability, voice browsing, exports. */
export const uxAppEn = {
  'reconnect.pasteLabel': 'New address or access key',
  'reconnect.go': 'Reconnect',
  'reconnect.notALink': 'Paste the whole address that timbre serve printed (it contains #token=…).',
  'reconnect.refused':
    'The server does not accept this key either: copy the address printed by the most recent timbre serve.',
  'reconnect.unreachable':
    'Timbre is not reachable at this address yet. Start it again with timbre serve, then open or paste the address it prints.',
  'exportLoc.keptIn': 'A copy is kept in:',
  'exportLoc.showInFolder': 'Show in folder',
  'exportLoc.webHint': 'That folder is on the computer running Timbre; use Download to save a copy here.',
  'pick.needsClonePack': 'Unavailable: needs a voice-cloning model pack (install Pocket TTS in Models)',
  'clone.noPack':
    'No voice-cloning pack is installed yet. You can record or import a voice now and keep it, but Timbre can only speak with it once the pack is installed.',
  'clone.getPack': 'Get {name} in Models',
  'clone.openModels': 'Open Models',
  'clone.needsPacks':
    'Timbre needs its {names} pack to check recordings, and it is not installed. Install it in Models, then choose the file again.',
  'consentWhy.noRecorder':
    'Not available here: the owner reads the statement into a microphone, and Timbre cannot record on this computer.',
  'listen.voice': 'Listen to {name}',
  'listen.stop': 'Stop {name}',
  'listen.failed': 'Could not play the preview: {message}',
  'vsearch.label': 'Search voices',
  'vsearch.placeholder': 'Search by name, language or engine',
  'vsearch.none': 'No built-in voice matches “{query}”.',
} as const;
