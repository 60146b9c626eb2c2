// How a log record reads: its severity's name and class (colour), its body as
// text, and the GenAI events (OpenTelemetry GenAI semantic conventions, see
// ../shared/llm-conventions.md) read from its attributes: an evaluation result
// as a score, an inference's operation details as its messages.
import type { components } from '../api/openapi.gen';

export type LogRecord = components['schemas']['LogRecord'];

export const EVALUATION_EVENT = 'gen_ai.evaluation.result';
export const OPERATION_DETAILS_EVENT = 'gen_ai.client.inference.operation.details';

const SEVERITY_NAMES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type SeverityName = (typeof SEVERITY_NAMES)[number] | 'unset';

// OTLP numbers 1-4 trace, 5-8 debug, ... 21-24 fatal; 0 (or out of range) is unset.
export function severityName(severityNumber: number): SeverityName {
  if (!Number.isInteger(severityNumber) || severityNumber < 1 || severityNumber > 24) return 'unset';
  return SEVERITY_NAMES[Math.floor((severityNumber - 1) / 4)];
}

// What the record's severity column shows: the sent text, else the number's name.
export function severityLabel(log: Pick<LogRecord, 'severity_number' | 'severity_text'>): string {
  if (log.severity_text) return log.severity_text;
  const name = severityName(log.severity_number);
  return name === 'unset' ? '-' : name.toUpperCase();
}

// A body as one line of text: a string as it is, anything else as JSON; empty when none.
export function bodyText(body: unknown): string {
  if (body === null || body === undefined) return '';
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function attribute(log: Pick<LogRecord, 'attributes'>, key: string): unknown {
  return (log.attributes as Record<string, unknown> | undefined)?.[key];
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export interface Evaluation {
  name?: string;
  value?: number;
  label?: string;
  explanation?: string;
}

// A gen_ai.evaluation.result record's score; undefined for any other record.
export function evaluationOf(log: Pick<LogRecord, 'event_name' | 'attributes'>): Evaluation | undefined {
  if (log.event_name !== EVALUATION_EVENT) return undefined;
  const value = attribute(log, 'gen_ai.evaluation.score.value');
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return {
    name: text(attribute(log, 'gen_ai.evaluation.name')),
    value: Number.isFinite(number) ? number : undefined,
    label: text(attribute(log, 'gen_ai.evaluation.score.label')),
    explanation: text(attribute(log, 'gen_ai.evaluation.explanation')),
  };
}

export interface MessageLine {
  source: 'system' | 'input' | 'output';
  role: string;
  text: string;
}

// Messages as GenAI sends them: a JSON array (or its text) of {role, parts:
// [{type, content | arguments | response | ...}]}; each part as text, joined.
function messagesOf(value: unknown, source: MessageLine['source']): MessageLine[] {
  let list = value;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch {
      return [{ source, role: source === 'system' ? 'system' : '?', text: list as string }];
    }
  }
  if (!Array.isArray(list)) return [];
  return list.map((item) => {
    const message = (item ?? {}) as { role?: unknown; parts?: unknown; content?: unknown; type?: unknown };
    const parts = Array.isArray(message.parts) ? message.parts : message.content !== undefined ? [{ content: message.content }] : [item];
    const partTexts = parts.map((part) => {
      const p = (part ?? {}) as Record<string, unknown>;
      if (typeof p.content === 'string') return p.content;
      if (p.type === 'tool_call') return `${String(p.name ?? 'tool')}(${text(p.arguments) ?? ''})`;
      if (p.type === 'tool_call_response') return text(p.response ?? p.result) ?? '';
      return text(p.content) ?? JSON.stringify(p);
    });
    const role = typeof message.role === 'string' ? message.role : source === 'system' ? 'system' : '?';
    return { source, role, text: partTexts.join('\n') };
  });
}

// A gen_ai.client.inference.operation.details record's messages (system
// instructions, input, output) in that order; undefined for any other record.
export function operationMessagesOf(log: Pick<LogRecord, 'event_name' | 'attributes'>): MessageLine[] | undefined {
  if (log.event_name !== OPERATION_DETAILS_EVENT) return undefined;
  return [
    ...messagesOf(attribute(log, 'gen_ai.system_instructions'), 'system'),
    ...messagesOf(attribute(log, 'gen_ai.input.messages'), 'input'),
    ...messagesOf(attribute(log, 'gen_ai.output.messages'), 'output'),
  ];
}
