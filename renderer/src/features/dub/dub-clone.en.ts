/** English text for "Clone from this video" in the Dub view (issue #11, step 4). */
export const dubCloneEn = {
  'dubClone.action': 'Clone from this video',
  'dubClone.title': 'Clone {speaker} from this video',
  'dubClone.buttonLabel': 'Clone from this video: {speaker}',
  'dubClone.intro':
    "Timbre picks {speaker}'s cleanest 10–30 s from their own segments (speech only, no other speaker talking over them, the least background noise) and makes one voice in your library from it.",
  'dubClone.name': 'Voice name',
  'dubClone.denoise': 'Remove background noise from the chosen speech (GTCRN)',
  'dubClone.consentTitle': 'Consent',
  'dubClone.consentText':
    'A voice may only be cloned with the permission of the person it belongs to, as for every voice in the library. Who agreed, and for what?',
  'dubClone.consentName': 'Name of the person whose voice this is',
  'dubClone.consentPurpose': 'What they agreed to (purpose)',
  'dubClone.consentConfirm': 'I confirm this person agreed that their voice may be cloned for this purpose.',
  'dubClone.consentStatement':
    'For a verified consent, have them record a consent statement: make the voice in Voices from a recording, or send a statement with dub.cloneSpeaker from the API.',
  'dubClone.start': 'Clone voice',
  'dubClone.phase.extracting': 'Reading the audio…',
  'dubClone.phase.analysing': 'Finding the cleanest speech… {percent}%',
  'dubClone.phase.denoising': 'Removing noise… {percent}%',
  'dubClone.phase.creating': 'Creating the voice…',
  'dubClone.phase.done': 'Done',
  'dubClone.done': 'Made the voice "{name}" from {seconds} s of speech; {speaker} now speaks with it.',
  'dubClone.spans': 'Speech used',
  'dubClone.span': '{start}–{end} ({seconds} s, SNR {snr} dB)',
  'dubClone.total': 'Total: {seconds} s',
  'dubClone.close': 'Close',
} as const;
