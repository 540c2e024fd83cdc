/**
 * Tone bursts the Parakeet contract fixture (tests/fixtures/parakeet-fixture.ts) hears as words: 300 Hz is "low",
 * 3 kHz "high". 0.5 s each, 0.4 s apart, over a quiet floor, at 16 kHz.
 */
export function tones(hz: number[]): Float32Array {
  const r = 16000;
  const out = new Float32Array(Math.round(r * (0.3 + hz.length * 0.9)));
  let seed = 7;
  for (let i = 0; i < out.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    out[i] = 0.0005 * (seed / 2 ** 32 - 0.5);
  }
  hz.forEach((f, k) => {
    const start = Math.round(r * (0.3 + k * 0.9));
    for (let i = 0; i < r * 0.5; i++) out[start + i] += 0.3 * Math.sin((2 * Math.PI * f * i) / r);
  });
  return out;
}
