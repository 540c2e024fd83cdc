/**
 * Updates in the desktop shell. The logic is plain Node (main/node/updates/, tested against a real local HTTP feed
 * with electron-updater's own classes); the shell passes electron-updater's `autoUpdater` as the engine.
 */
export * from '../node/updates/updater.js';
