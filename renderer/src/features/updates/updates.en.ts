/** English text for Settings → Updates. */
export const updatesEn = {
  'updates.title': 'Updates',
  'updates.hint':
    'Timbre asks the update server only when you click "Check for updates" (or turned on automatic checks in the Help menu of the desktop app). Each request is in the privacy ledger.',
  'updates.current': 'Installed version',
  'updates.channel': 'Channel',
  'updates.channel.stable': 'Stable',
  'updates.channel.beta': 'Beta (test versions)',
  'updates.check': 'Check for updates',
  'updates.checking': 'Checking for updates…',
  'updates.upToDate': 'Timbre is up to date (the newest version is {version}).',
  'updates.available': 'Timbre {version} is available.',
  'updates.download': 'Download {version}',
  'updates.downloading': 'Downloading the update: {percent}%',
  'updates.progressLabel': 'Update download',
  'updates.downloaded': 'Timbre {version} is downloaded and verified. It installs when Timbre restarts.',
  'updates.restart': 'Restart to update',
  'updates.error': 'The update did not work: {message}',
  'updates.desktopOnly':
    'Updates are handled by the desktop app. This page is served by timbre serve: update Timbre the way you installed it.',
  'updates.offByPolicy': 'Updates are turned off: your organization installs new versions.',
} as const;
