// The prompt in the page's URL fragment: #p=<base64url of the deflate-raw
// compressed JSON>. A fragment is never sent to the server (a long prompt does not
// hit a request-line limit, and nothing of it lands in access logs), and the link
// opens the same prompt for anyone signed in to the same deployment.
import { blankParameters, MAX_COLUMNS, type Column, type Prompt, type PromptMessage, type PromptPart, type PromptTool } from './prompt';

const VERSION = 1;
const KEY = 'p';

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function through(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Blob([bytes as BlobPart]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

export async function encodePrompt(prompt: Prompt): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify({ v: VERSION, ...prompt }));
  return toBase64Url(await through(json, new CompressionStream('deflate-raw')));
}

// ---- reading back: a fragment may be hand-edited or cut, so every field is checked --

const str = (value: unknown, fallback = ''): string => (typeof value === 'string' ? value : fallback);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const obj = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

function part(value: unknown): PromptPart {
  const p = obj(value);
  const type = p.type === 'tool_call' || p.type === 'tool_call_response' ? p.type : 'text';
  return { type, text: str(p.text), id: str(p.id), name: str(p.name) };
}

function message(value: unknown): PromptMessage {
  const m = obj(value);
  return { role: str(m.role, 'user'), parts: list(m.parts).map(part) };
}

function tool(value: unknown): PromptTool {
  const t = obj(value);
  return { name: str(t.name), description: str(t.description), parameters: str(t.parameters) };
}

function column(value: unknown): Column {
  const c = obj(value);
  const p = obj(c.parameters);
  const blank = blankParameters();
  const format = p.response_format === 'json_object' || p.response_format === 'json_schema' ? p.response_format : 'text';
  return {
    provider: str(c.provider),
    model: str(c.model),
    parameters: {
      temperature: str(p.temperature, blank.temperature),
      max_tokens: str(p.max_tokens, blank.max_tokens),
      top_p: str(p.top_p, blank.top_p),
      seed: str(p.seed, blank.seed),
      stop: str(p.stop, blank.stop),
      response_format: format,
      json_schema: str(p.json_schema, blank.json_schema),
    },
  };
}

export function promptFromJson(value: unknown): Prompt {
  const v = obj(value);
  const columns = list(v.columns).slice(0, MAX_COLUMNS).map(column);
  const prompt: Prompt = {
    system: str(v.system),
    messages: list(v.messages).map(message),
    tools: list(v.tools).map(tool),
    columns: columns.length > 0 ? columns : [column({})],
  };
  const source = obj(v.source);
  if (typeof source.trace_id === 'string' && typeof source.span_id === 'string') prompt.source = { trace_id: source.trace_id, span_id: source.span_id };
  if (Array.isArray(v.previous)) prompt.previous = v.previous as Prompt['previous'];
  return prompt;
}

export async function decodePrompt(encoded: string): Promise<Prompt> {
  const bytes = await through(fromBase64Url(encoded), new DecompressionStream('deflate-raw'));
  return promptFromJson(JSON.parse(new TextDecoder().decode(bytes)));
}

// The encoded prompt in a location hash ("#p=..."), or undefined.
export function fragmentPrompt(hash: string): string | undefined {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const value = params.get(KEY);
  return value ? value : undefined;
}

export function fragmentFor(encoded: string): string {
  return `#${KEY}=${encoded}`;
}

// `?from=<trace_id>/<span_id>`: the span the playground opens from.
export function parseFrom(from: string | null): { trace_id: string; span_id: string } | undefined {
  const match = /^([0-9a-f]{32})\/([0-9a-f]{16})$/.exec((from ?? '').trim().toLowerCase());
  return match ? { trace_id: match[1], span_id: match[2] } : undefined;
}

export function playgroundLink(traceId: string, spanId: string): string {
  return `/playground?from=${traceId}/${spanId}`;
}
