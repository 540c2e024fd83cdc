/** English text of the studio's keyboard, labels and playback-follow work (issue 15). */
export const studioUxEn = {
  'studioUx.script': 'Script',
  'studioUx.speakerVoice': '{voice} (voice of {speaker})',
  'studioUx.projectVoiceNamed': 'Project voice: {voice}',
  'studioUx.shortcutCards': 'On a line card: go to the previous, next, first or last line',
  'studioUx.shortcutEdit': "On a line card: edit its text (Tab then reaches the line's buttons)",
  'studioUx.shortcutLeave': "In a line's text: back to the line card",
  'studioUx.madeFrom': 'Made from: “{text}”',
  'studioUx.madeFromCurrent': 'Made from the current text',
  'studioUx.abText': '{which}: take {k}',
  'studioUx.progressLabel': 'Generation of the batch: {done} of {total} lines done',
  'studioUx.compact': 'Compact lines',
  'studioUx.compactHint': 'Show more lines at once: each line on one row, its tools on hover or focus',
} as const;
