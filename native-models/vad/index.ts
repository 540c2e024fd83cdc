export * from './silero-vad.js';
export * from './segments.js';
