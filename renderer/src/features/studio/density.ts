import { useCallback, useState } from 'react';

export type Density = 'comfortable' | 'compact';
const KEY = 'timbre.studio.density';

function read(): Density {
  try {
    return localStorage.getItem(KEY) === 'compact' ? 'compact' : 'comfortable';
  } catch {
    return 'comfortable';
  }
}

/**
 * The script list's density, remembered on this computer: comfortable (the default) or compact, where a line is one
 * row (text beside its status and actions, the line's tools shown on hover or focus) so about twice as many fit.
 */
export function useDensity(): [Density, (d: Density) => void] {
  const [density, setState] = useState<Density>(read);
  const set = useCallback((d: Density) => {
    setState(d);
    try {
      localStorage.setItem(KEY, d);
    } catch {
      // storage disabled: the choice lasts for this page
    }
  }, []);
  return [density, set];
}
