/**
 * The application menu, as a plain template so it can be tested without Electron. Devtools entries exist only in
 * development builds; the update items are the user's explicit actions.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  checkForUpdates(): void;
  setAutoCheckUpdates(enabled: boolean): void;
  openHomepage(): void;
  openDocs(): void;
}

export interface MenuState {
  platform: NodeJS.Platform;
  devTools: boolean;
  autoCheckUpdates: boolean;
  updatesEnabled: boolean;
}

export function menuTemplate(state: MenuState, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = state.platform === 'darwin';
  const updateItems: MenuItemConstructorOptions[] = [
    {
      id: 'check-updates',
      label: 'Check for Updates…',
      enabled: state.updatesEnabled,
      click: () => actions.checkForUpdates(),
    },
    {
      id: 'auto-check-updates',
      label: 'Check for Updates Automatically',
      type: 'checkbox',
      enabled: state.updatesEnabled,
      checked: state.autoCheckUpdates,
      click: (item) => actions.setAutoCheckUpdates(item.checked),
    },
  ];
  const view: MenuItemConstructorOptions[] = [
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  if (state.devTools) view.unshift({ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' });

  return [
    ...(mac
      ? [
          {
            label: 'Timbre',
            submenu: [
              { role: 'about' },
              { type: 'separator' },
              ...updateItems,
              { type: 'separator' },
              { role: 'hide' },
              { role: 'hideOthers' },
              { role: 'unhide' },
              { type: 'separator' },
              { role: 'quit' },
            ],
          } satisfies MenuItemConstructorOptions,
        ]
      : []),
    { label: 'File', submenu: [mac ? { role: 'close' } : { role: 'quit' }] },
    { role: 'editMenu' },
    { label: 'View', submenu: view },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Timbre Website', click: () => actions.openHomepage() },
        { label: 'Documentation', click: () => actions.openDocs() },
        ...(mac ? [] : [{ type: 'separator' } satisfies MenuItemConstructorOptions, ...updateItems]),
      ],
    },
  ];
}
