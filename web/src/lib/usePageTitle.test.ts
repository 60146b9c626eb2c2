import { describe, expect, it } from 'vitest';
import { pageTitle, titleId } from './usePageTitle';

describe('page titles', () => {
  it('names what is shown, then the app, skipping what is not known yet', () => {
    expect(pageTitle('Workflows')).toBe('Workflows · Spanline');
    expect(pageTitle(`Trace ${titleId('4bf92f3577b34da6a3ce929d0e0e4736')}`)).toBe('Trace 4bf92f… · Spanline');
    expect(pageTitle(undefined, 'Workflow run')).toBe('Workflow run · Spanline');
    expect(pageTitle()).toBe('Spanline');
    expect(titleId('abc')).toBe('abc');
  });
});
