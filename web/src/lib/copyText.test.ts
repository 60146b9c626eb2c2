import { describe, expect, it } from 'vitest';
import { copyResultText, copyText, type CopyEnvironment } from './copyText';

function env(over: Partial<CopyEnvironment>, log: string[] = []): CopyEnvironment {
  return {
    copyWithTextarea: (text) => {
      log.push(`textarea:${text}`);
      return false;
    },
    selectOnPage: () => {
      log.push('select');
      return true;
    },
    ...over,
  };
}

describe('copyText', () => {
  it('uses the Clipboard API when there is one', async () => {
    const log: string[] = [];
    const result = await copyText('k', null, env({ writeClipboard: async (t) => void log.push(`clipboard:${t}`) }, log));
    expect(result).toBe('copied');
    expect(log).toEqual(['clipboard:k']);
  });

  it('falls back to a textarea when the API is missing (http by host name) or refuses', async () => {
    for (const writeClipboard of [undefined, () => Promise.reject(new Error('denied'))]) {
      const log: string[] = [];
      const result = await copyText('k', null, env({ writeClipboard, copyWithTextarea: (t) => log.push(`textarea:${t}`) > 0 }, log));
      expect(result).toBe('copied');
      expect(log).toEqual(['textarea:k']);
    }
  });

  it('leaves the shown text selected when nothing copies, and says so', async () => {
    const shown = {} as Element;
    expect(await copyText('k', shown, env({}))).toBe('selected');
    expect(await copyText('k', null, env({}))).toBe('failed');
    expect(await copyText('k', shown, env({ selectOnPage: () => false }))).toBe('failed');
    expect(copyResultText('copied')).toBe('Copied');
    expect(copyResultText('selected', false)).toBe('Not copied: the text is selected, press Ctrl+C');
    expect(copyResultText('failed', true)).toBe('Not copied: select the text and press ⌘C');
  });
});
