// The pipeline as it is: gateways -> WAL -> indexers -> api, each stage with
// its instances, each arrow with its rate; auth beside them. Lays out in a row
// on wide screens and stacks vertically on phones (pipeline.css).
import { Fragment } from 'react';
import { byStage, EDGE_LABEL, FLOW, FLOW_COUNTER, hourRates, stageRate, type Instance } from '../../lib/pipeline/pipelineView';
import { FlowEdge } from './FlowEdge';
import { StageNode } from './StageNode';

export function PipelineDiagram({ instances }: { instances: Instance[] }) {
  const groups = byStage(instances);
  const side = [...groups.keys()].filter((stage) => !(FLOW as readonly string[]).includes(stage));
  return (
    <div className="pl-diagram" data-testid="pipeline-diagram">
      <div className="pl-flow">
        {FLOW.map((stage) => {
          const members = groups.get(stage) ?? [];
          const label = EDGE_LABEL[stage];
          return (
            <Fragment key={stage}>
              <StageNode stage={stage} instances={members} />
              {label && (
                <FlowEdge
                  label={`spans/s ${label}`}
                  rate={stageRate(members, FLOW_COUNTER[stage])}
                  hour={hourRates(members, FLOW_COUNTER[stage])}
                  testId={`edge-${stage}`}
                />
              )}
            </Fragment>
          );
        })}
      </div>
      {side.length > 0 && (
        <div className="pl-side">
          {side.map((stage) => (
            <StageNode key={stage} stage={stage} instances={groups.get(stage) ?? []} />
          ))}
        </div>
      )}
    </div>
  );
}
