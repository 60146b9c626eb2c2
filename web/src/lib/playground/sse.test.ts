import { describe, expect, it } from 'vitest';
import { SseParser } from './sse';

describe('SseParser', () => {
  it('reads events cut at any byte', () => {
    const stream = 'event: start\ndata: {"run_id":"r"}\n\n: ping\n\nevent: text\r\ndata: {"delta":"Ec"}\r\n\r\nevent: text\ndata: {"delta":"ho"}\n\ndata: a\ndata: b\n\n';
    for (let cut = 0; cut <= stream.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.feed(stream.slice(0, cut)), ...parser.feed(stream.slice(cut))];
      expect(events).toEqual([
        { event: 'start', data: '{"run_id":"r"}' },
        { event: 'text', data: '{"delta":"Ec"}' },
        { event: 'text', data: '{"delta":"ho"}' },
        { event: 'message', data: 'a\nb' },
      ]);
    }
  });

  it('keeps an event whose blank line has not arrived yet', () => {
    const parser = new SseParser();
    expect(parser.feed('event: done\ndata: {}\n')).toEqual([]);
    expect(parser.feed('\n')).toEqual([{ event: 'done', data: '{}' }]);
  });
});
