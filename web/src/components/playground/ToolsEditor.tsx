// The tools offered to the model: name, description and the JSON schema of the
// arguments, checked as it is typed.
import { removed, replaced, schemaError, type PromptTool } from '../../lib/playground/prompt';

function ToolEditor({ tool, onChange, onRemove }: { tool: PromptTool; onChange: (tool: PromptTool) => void; onRemove: () => void }) {
  const problem = tool.parameters.trim() === '' ? undefined : schemaError(tool.parameters);
  return (
    <div className="pg-tool pg-card" data-testid="pg-tool" data-tool={tool.name}>
      <div className="pg-part-head">
        <input aria-label="tool name" placeholder="name" className="mono" value={tool.name} onChange={(e) => onChange({ ...tool, name: e.target.value })} data-testid="pg-tool-name" />
        <input aria-label="tool description" placeholder="description" className="pg-grow" value={tool.description}
          onChange={(e) => onChange({ ...tool, description: e.target.value })} data-testid="pg-tool-description" />
        <button type="button" aria-label="remove tool" onClick={onRemove} data-testid="pg-remove-tool">✕</button>
      </div>
      <textarea aria-label="parameters (JSON schema)" placeholder='{"type": "object", "properties": {...}}' className="mono"
        rows={Math.min(12, Math.max(3, tool.parameters.split('\n').length))} value={tool.parameters}
        onChange={(e) => onChange({ ...tool, parameters: e.target.value })} data-testid="pg-tool-parameters" aria-invalid={problem !== undefined} />
      {problem && <p className="error-text" data-testid="pg-tool-error">parameters: {problem}</p>}
    </div>
  );
}

const NEW_TOOL: PromptTool = { name: '', description: '', parameters: '{\n  "type": "object",\n  "properties": {}\n}' };

export function ToolsEditor({ tools, onChange }: { tools: PromptTool[]; onChange: (tools: PromptTool[]) => void }) {
  return (
    <details className="pg-tools" open={tools.length > 0} data-testid="pg-tools">
      <summary>Tools ({tools.length})</summary>
      {tools.map((tool, i) => (
        <ToolEditor key={i} tool={tool} onChange={(t) => onChange(replaced(tools, i, t))} onRemove={() => onChange(removed(tools, i))} />
      ))}
      <button type="button" onClick={() => onChange([...tools, { ...NEW_TOOL }])} data-testid="pg-add-tool">
        + tool
      </button>
    </details>
  );
}
