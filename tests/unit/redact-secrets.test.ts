/** Issue 15, item 11: no message the page shows carries the access token. */
import { describe, expect, it } from 'vitest';
import { ApiError, errorMessage, redactSecrets } from '../../renderer/src/api/errors';
import { makeTranslator } from '../../renderer/src/i18n';

const TOKEN = 'Zq3_x-9fJ2kLmN0pQrStUvWxYz012345';

describe('redactSecrets', () => {
  it('removes the token from media URLs (query or fragment) and Bearer headers, keeping the rest', () => {
    const url = `http://127.0.0.1:4567/api/media/takes/abc.wav?token=${TOKEN}`;
    expect(redactSecrets(`Cannot play ${url}.`)).toBe(
      'Cannot play http://127.0.0.1:4567/api/media/takes/abc.wav?token=….',
    );
    expect(redactSecrets(`open http://127.0.0.1:1/#token=${TOKEN}&x=1`)).toBe('open http://127.0.0.1:1/#token=…&x=1');
    expect(redactSecrets(`Authorization: Bearer ${TOKEN}`)).toBe('Authorization: Bearer …');
    expect(redactSecrets('Line 3 failed: the voice is missing')).toBe('Line 3 failed: the voice is missing');
  });

  it('applies to every error message and every filled-in message', () => {
    const url = `http://127.0.0.1:4567/api/media/staging/s1.wav?a=1&token=${TOKEN}`;
    expect(errorMessage(new Error(`load failed: ${url}`))).not.toContain(TOKEN);
    expect(errorMessage(new ApiError('NOT_FOUND', `gone: ${url}`))).not.toContain(TOKEN);
    expect(errorMessage(`raw ${url}`)).not.toContain(TOKEN);
    const t = makeTranslator('en');
    const shown = t('error.generic', { message: `fetch ${url}` });
    expect(shown).toContain('/api/media/staging/s1.wav?a=1&token=…');
    expect(shown).not.toContain(TOKEN);
  });
});
