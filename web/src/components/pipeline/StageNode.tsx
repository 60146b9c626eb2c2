// One stage in the diagram: its instances with their state (up, stale, down in
// red) and when each was last heard.
import { heardAgo, stageState, stageTitle, type Instance } from '../../lib/pipeline/pipelineView';

const STATE_WORD = { up: 'up', stale: 'stale', down: 'down' } as const;

export function StageNode({ stage, instances }: { stage: string; instances: Instance[] }) {
  const state = instances.length === 0 ? 'down' : stageState(instances);
  return (
    <section className={`pl-node ${state}`} data-testid={`node-${stage}`} data-state={state} aria-label={`${stage}: ${state}`}>
      <h3>{stageTitle(stage)}</h3>
      {instances.length === 0 && <p className="pl-instance down">never heard</p>}
      <ul>
        {instances.map((i) => (
          <li key={i.instance} className={`pl-instance ${i.state}`} data-testid={`instance-${stage}`} data-state={i.state}>
            <span className="pl-dot" aria-hidden="true" />
            <span className="pl-name">{i.instance}</span>
            <span className="pl-state">
              {STATE_WORD[i.state]} · {heardAgo(i.silent_ms)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
