/** English text for managed-policy notes. */
export const policyEn = {
  'policy.setByOrg': 'Set by your organization',
  'policy.source': 'Managed policy: {file}',
  'policy.downloadsOff': 'Downloads are turned off: import packs your organization provides.',
  'policy.apiOff': 'The local API is turned off.',
} as const;
