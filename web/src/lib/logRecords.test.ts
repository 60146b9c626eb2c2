import { describe, expect, it } from 'vitest';
import { bodyText, evaluationOf, operationMessagesOf, severityLabel, severityName } from './logRecords';

describe('logRecords', () => {
  it('names severities by OTLP number ranges', () => {
    expect(severityName(0)).toBe('unset');
    expect(severityName(1)).toBe('trace');
    expect(severityName(9)).toBe('info');
    expect(severityName(14)).toBe('warn');
    expect(severityName(20)).toBe('error');
    expect(severityName(24)).toBe('fatal');
    expect(severityName(25)).toBe('unset');
    expect(severityLabel({ severity_number: 13, severity_text: '' })).toBe('WARN');
    expect(severityLabel({ severity_number: 13, severity_text: 'Warning' })).toBe('Warning');
    expect(severityLabel({ severity_number: 0, severity_text: '' })).toBe('-');
  });

  it('reads bodies of any type as text', () => {
    expect(bodyText('plain')).toBe('plain');
    expect(bodyText({ message: 'x', n: 1 })).toBe('{"message":"x","n":1}');
    expect(bodyText(null)).toBe('');
    expect(bodyText(false)).toBe('false');
  });

  it('reads an evaluation result as a score', () => {
    const evaluation = evaluationOf({
      event_name: 'gen_ai.evaluation.result',
      attributes: {
        'gen_ai.evaluation.name': 'relevance',
        'gen_ai.evaluation.score.value': 0.92,
        'gen_ai.evaluation.score.label': 'relevant',
        'gen_ai.evaluation.explanation': 'Direct answer.',
      },
    });
    expect(evaluation).toEqual({ name: 'relevance', value: 0.92, label: 'relevant', explanation: 'Direct answer.' });
    expect(evaluationOf({ event_name: 'gen_ai.evaluation.result', attributes: { 'gen_ai.evaluation.score.value': '0.5' } })?.value).toBe(0.5);
    expect(evaluationOf({ event_name: 'gen_ai.evaluation.result', attributes: { 'gen_ai.evaluation.score.value': 'high' } })?.value).toBe(undefined);
    expect(evaluationOf({ event_name: 'other', attributes: {} })).toBeUndefined();
  });

  it('reads operation details as messages in order: system, input, output', () => {
    const lines = operationMessagesOf({
      event_name: 'gen_ai.client.inference.operation.details',
      attributes: {
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'Be brief.' }]),
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Capital of France?' }] }]),
        'gen_ai.output.messages': [
          { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'lookup', arguments: { city: 'Paris' } }] },
          { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', result: 'ok' }] },
        ],
      },
    });
    expect(lines).toEqual([
      { source: 'system', role: 'system', text: 'Be brief.' },
      { source: 'input', role: 'user', text: 'Capital of France?' },
      { source: 'output', role: 'assistant', text: 'lookup({"city":"Paris"})' },
      { source: 'output', role: 'tool', text: 'ok' },
    ]);
    expect(operationMessagesOf({ event_name: 'gen_ai.client.inference.operation.details', attributes: { 'gen_ai.input.messages': 'not json' } }))
      .toEqual([{ source: 'input', role: '?', text: 'not json' }]);
    expect(operationMessagesOf({ event_name: '', attributes: {} })).toBeUndefined();
  });
});
