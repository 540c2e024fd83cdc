import { useEffect, useState } from 'react';
import type { RecorderDevices } from '../../../../preload/contract/index.js';
import { api, errorMessage } from '../../api';

/**
 * The microphones the recorder can use, asked for while `active` (a dialog open), with the default one chosen; a
 * failure is kept as the reason recording is impossible. `canRecord` once a device list without a problem came back.
 */
export function useRecorderDevices(active: boolean) {
  const [devices, setDevices] = useState<RecorderDevices | null>(null);
  const [device, setDevice] = useState('');
  useEffect(() => {
    if (!active) return;
    api()
      .call('recorder.devices', {})
      .then((d) => {
        setDevices(d);
        const def = d.devices.find((x) => x.isDefault);
        if (def) setDevice(def.id);
      })
      .catch((err: unknown) => setDevices({ program: null, devices: [], problem: errorMessage(err) }));
  }, [active]);
  return {
    devices,
    device,
    setDevice,
    canRecord: !!devices && !devices.problem,
    /** Forget the list (a closed dialog asks again when it opens). */
    forget: () => setDevices(null),
  };
}
