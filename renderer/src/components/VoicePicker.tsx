/** The voice picker moved to features/voices/ (issue 14); this keeps the old import path working. */
export { VoicePicker, languageName } from '../features/voices/VoicePicker';
