import { makeLongRecording } from './tests/helpers/long-recording.js';
console.log(makeLongRecording('/tmp/longrec', Number(process.argv[2])));
