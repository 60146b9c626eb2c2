// Copy that works everywhere, and says whether it did. navigator.clipboard only
// exists in a secure context (https or localhost): on plain http by host name it
// is missing, so a key shown once must still reach the clipboard another way.
// In order: the Clipboard API; a selected, off-screen textarea and
// execCommand('copy'); else the text is left selected on the page for the person
// to copy by hand.

export type CopyResult = 'copied' | 'selected' | 'failed';

// What the browser offers; tests pass their own.
export interface CopyEnvironment {
  writeClipboard?: (text: string) => Promise<void>;
  copyWithTextarea: (text: string) => boolean;
  selectOnPage: (element: Element) => boolean;
}

function copyWithTextarea(text: string): boolean {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.top = '-1000px';
  area.style.opacity = '0';
  const focused = document.activeElement as HTMLElement | null;
  document.body.appendChild(area);
  try {
    area.select();
    area.setSelectionRange(0, text.length);
    return document.execCommand('copy');
  } catch {
    return false;
  } finally {
    area.remove();
    focused?.focus?.();
  }
}

function selectOnPage(element: Element): boolean {
  const selection = window.getSelection();
  if (!selection) return false;
  selection.selectAllChildren(element);
  return selection.toString().length > 0;
}

export function browserCopyEnvironment(): CopyEnvironment {
  const clipboard = typeof navigator !== 'undefined' && window.isSecureContext ? navigator.clipboard : undefined;
  return {
    writeClipboard: clipboard?.writeText ? (text) => clipboard.writeText(text) : undefined,
    copyWithTextarea,
    selectOnPage,
  };
}

// `shown` is where the text is on the page, selected when nothing else worked.
export async function copyText(text: string, shown?: Element | null, env: CopyEnvironment = browserCopyEnvironment()): Promise<CopyResult> {
  if (env.writeClipboard) {
    try {
      await env.writeClipboard(text);
      return 'copied';
    } catch {
      // refused (no permission, page not focused): try the next way
    }
  }
  if (env.copyWithTextarea(text)) return 'copied';
  if (shown && env.selectOnPage(shown)) return 'selected';
  return 'failed';
}

const isMac = () => typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

export function copyResultText(result: CopyResult, mac = isMac()): string {
  if (result === 'copied') return 'Copied';
  const keys = mac ? '⌘C' : 'Ctrl+C';
  if (result === 'selected') return `Not copied: the text is selected, press ${keys}`;
  return `Not copied: select the text and press ${keys}`;
}
