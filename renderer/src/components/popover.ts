/**
 * Show a `popover` element in the top layer and keep it next to its anchor, inside the viewport: below the anchor
 * when it fits, else above (whichever side has more room, the height capped to it), aligned to the anchor's start or
 * end edge and shifted to stay clear of the window's left and right edges. Follows scrolling and resizing.
 * Returns the cleanup (hides the popover, stops following).
 */
const MARGIN = 8;
const GAP = 6;

export function placePopover(pop: HTMLElement, anchor: HTMLElement, opts: { align: 'start' | 'end' }): () => void {
  if (!pop.matches(':popover-open')) pop.showPopover();
  const place = () => {
    const a = anchor.getBoundingClientRect();
    const vw = document.documentElement.clientWidth;
    const vh = document.documentElement.clientHeight;
    pop.style.maxHeight = '';
    const natural = pop.getBoundingClientRect();
    const below = vh - a.bottom - GAP - MARGIN;
    const above = a.top - GAP - MARGIN;
    const downward = natural.height <= below || below >= above;
    const room = Math.max(120, downward ? below : above);
    const height = Math.min(natural.height, room);
    if (natural.height > room) pop.style.maxHeight = `${room}px`;
    const width = Math.min(natural.width, vw - 2 * MARGIN);
    let left = opts.align === 'end' ? a.right - width : a.left;
    left = Math.max(MARGIN, Math.min(left, vw - width - MARGIN));
    const top = downward ? a.bottom + GAP : Math.max(MARGIN, a.top - GAP - height);
    pop.style.left = `${Math.round(left)}px`;
    pop.style.top = `${Math.round(top)}px`;
    pop.dataset.side = downward ? 'below' : 'above';
  };
  place();
  // Scrolling any ancestor moves the anchor: follow it (capture catches scrolls of inner panels).
  window.addEventListener('scroll', place, true);
  window.addEventListener('resize', place);
  return () => {
    window.removeEventListener('scroll', place, true);
    window.removeEventListener('resize', place);
    if (pop.isConnected && pop.matches(':popover-open')) pop.hidePopover();
  };
}
