/** The Studio's undo/redo command stack (renderer/src/store/history.ts): order, coalescing, redo, replay safety. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COALESCE_MS, isReplaying, useHistory } from '../../renderer/src/store/history';

/** A tiny document edited through commands, like the studio's lines through the API. */
function doc() {
  const state = { text: '', log: [] as string[] };
  const setText = (next: string, key?: string) => {
    const before = state.text;
    state.text = next;
    useHistory.getState().push({
      label: `set ${next}`,
      key,
      undo: () => {
        state.log.push(`undo→${before}`);
        state.text = before;
      },
      redo: () => {
        state.log.push(`redo→${next}`);
        state.text = next;
      },
    });
  };
  return { state, setText };
}

afterEach(() => {
  useHistory.getState().clear();
  vi.useRealTimers();
});

describe('history store', () => {
  it('undoes and redoes in order', async () => {
    const { state, setText } = doc();
    setText('a');
    setText('ab');
    setText('abc');
    await useHistory.getState().undo();
    expect(state.text).toBe('ab');
    await useHistory.getState().undo();
    expect(state.text).toBe('a');
    await useHistory.getState().redo();
    expect(state.text).toBe('ab');
    await useHistory.getState().redo();
    expect(state.text).toBe('abc');
    await useHistory.getState().redo(); // nothing left: no-op
    expect(state.text).toBe('abc');
    expect(useHistory.getState().future).toHaveLength(0);
  });

  it('a new edit after undo drops the redo branch', async () => {
    const { state, setText } = doc();
    setText('one');
    setText('two');
    await useHistory.getState().undo();
    setText('three');
    expect(useHistory.getState().future).toHaveLength(0);
    await useHistory.getState().undo();
    expect(state.text).toBe('one');
  });

  it('coalesces typing with the same key until a pause, keeping the first undo and the last redo', async () => {
    vi.useFakeTimers();
    const { state, setText } = doc();
    setText('H', 'text:1');
    vi.advanceTimersByTime(100);
    setText('He', 'text:1');
    vi.advanceTimersByTime(100);
    setText('Hey', 'text:1');
    expect(useHistory.getState().past).toHaveLength(1);
    vi.advanceTimersByTime(COALESCE_MS + 1);
    setText('Hey!', 'text:1'); // after a pause: a new step
    setText('x', 'text:2'); // another line: a new step
    expect(useHistory.getState().past).toHaveLength(3);
    await useHistory.getState().undo();
    await useHistory.getState().undo();
    expect(state.text).toBe('Hey');
    await useHistory.getState().undo();
    expect(state.text).toBe('');
    await useHistory.getState().redo();
    expect(state.text).toBe('Hey');
  });

  it('records nothing while undoing or redoing, and a redone edit never merges with new typing', async () => {
    const { state, setText } = doc();
    let sawReplay = false;
    useHistory.getState().push({
      label: 'replaying edit',
      undo: () => {
        sawReplay = isReplaying();
        setText('side effect'); // a store call made by undo must not be recorded
      },
      redo: () => undefined,
    });
    await useHistory.getState().undo();
    expect(sawReplay).toBe(true);
    expect(isReplaying()).toBe(false);
    expect(useHistory.getState().past).toHaveLength(0);
    expect(useHistory.getState().future).toHaveLength(1);
    expect(state.text).toBe('side effect');

    setText('a', 'k');
    await useHistory.getState().undo();
    await useHistory.getState().redo();
    setText('ab', 'k'); // same key right after redo: a separate step
    expect(useHistory.getState().past.map((c) => c.label)).toEqual(['set a', 'set ab']);
  });

  it('ignores undo while another undo is still running', async () => {
    let release: () => void = () => undefined;
    const calls: string[] = [];
    useHistory.getState().push({ label: 'first', undo: () => void calls.push('first'), redo: () => undefined });
    useHistory.getState().push({
      label: 'slow',
      undo: () =>
        new Promise<void>((r) => {
          calls.push('slow');
          release = r;
        }),
      redo: () => undefined,
    });
    const p = useHistory.getState().undo();
    await useHistory.getState().undo(); // busy: refused
    expect(useHistory.getState().busy).toBe(true);
    release();
    await p;
    expect(calls).toEqual(['slow']);
    expect(useHistory.getState().past.map((c) => c.label)).toEqual(['first']);
  });
});
