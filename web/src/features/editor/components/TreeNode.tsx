import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';

import { useFeedbackPin } from '../../feedback/components/pins';
import { heatColour } from '../../insights/heat';
import { NO_OUTPUT, type TreeFlowNode } from '../model';

/** A node on the canvas: kind, title, start marker, the number of publish problems and of open
 * feedback from technicians. */
export const TreeNode = memo(function TreeNode({ data, selected }: NodeProps<TreeFlowNode>) {
  const { node, isStart, problems, diff, heat } = data;
  const feedback = useFeedbackPin(node.id);
  return (
    <div
      className={`tree-node kind-${node.kind}${selected ? ' selected' : ''}${problems ? ' has-problems' : ''}${diff ? ` diff-${diff}` : ''}${heat === null ? ' heat-none' : ''}`}
      data-node-id={node.id}
      data-diff={diff ?? undefined}
      data-heat={heat ? heat.level.toFixed(2) : undefined}
      style={heat ? { backgroundColor: heatColour(heat.level) } : undefined}
    >
      <Handle type="target" position={Position.Top} />
      <div className="tree-node-head">
        <span className="tree-node-kind">{node.kind}</span>
        {isStart && <span className="tree-node-start">start</span>}
        {diff && <span className={`tree-node-diff diff-${diff}`}>{diff}</span>}
        {problems > 0 && (
          <span className="tree-node-problems" title={`${problems} problem${problems === 1 ? '' : 's'}`}>
            {problems} ⚠
          </span>
        )}
        {feedback > 0 && (
          <span className="tree-node-feedback" title={`${feedback} open feedback from technicians`}>
            {feedback} ⚑
          </span>
        )}
      </div>
      <div className="tree-node-title">{node.title || <em>Untitled</em>}</div>
      {heat && <div className="tree-node-heat">{heat.label}</div>}
      {heat === null && <div className="tree-node-heat muted">not in this version</div>}
      {!NO_OUTPUT.has(node.kind) && <Handle type="source" position={Position.Bottom} />}
    </div>
  );
});
