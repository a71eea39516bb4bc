// The compare of two versions (or a version and the draft): on the graph, nodes and edges
// coloured by what happened to them, with a legend; in the panel, the list of changes and the
// selected node's fields before and after.

import { Background, Controls, MarkerType, ReactFlow, useReactFlow } from '@xyflow/react';
import { useMemo } from 'react';

import { describeError } from '../../../lib/api/errors';
import { FormErrors } from '../../../ui/forms';
import {
  type ChangeLine,
  type CompareDrawing,
  type ComparePair,
  compareDrawing,
  type DiffStatus,
  fieldName,
  fieldText,
  isEmptyDiff,
  nodeChangeLines,
  sideLabel,
  type VersionDiff,
} from '../compare';
import { useCompare, useVersionGraph } from '../hooks';
import { NODE_HEIGHT, NODE_WIDTH } from '../layout';
import type { Graph, TreeFlowEdge, TreeFlowNode } from '../model';
import { TreeNode } from './TreeNode';

const nodeTypes = { tree: TreeNode };

export const DIFF_LABEL: Record<DiffStatus, string> = { added: 'Added', removed: 'Removed', changed: 'Changed' };
const EDGE_COLOUR: Record<DiffStatus, string> = { added: '#1e7a3c', removed: '#b3261e', changed: '#b86e00' };

export interface CompareData {
  diff: VersionDiff;
  drawing: CompareDrawing;
}

/** The diff and the drawing of both graphs; `draft` is the saved draft's graph. */
export function useCompareData(treeId: string, pair: ComparePair | null, draft: Graph) {
  const diff = useCompare(treeId, pair);
  const before = useVersionGraph(treeId, pair?.from ?? null);
  const after = useVersionGraph(treeId, pair && pair.to !== 'draft' ? pair.to : null);
  const afterGraph = pair?.to === 'draft' ? draft : after.data;
  const data = useMemo<CompareData | null>(() => {
    if (!diff.data || !before.data || !afterGraph) return null;
    return { diff: diff.data, drawing: compareDrawing(before.data, afterGraph, diff.data) };
  }, [diff.data, before.data, afterGraph]);
  const error = diff.error ?? before.error ?? after.error;
  return { data, error, pending: !data && !error };
}

export function CompareCanvas({
  data,
  selected,
  onSelect,
}: {
  data: CompareData;
  selected: string | null;
  onSelect: (id: string | null) => void;
}) {
  const flow = useReactFlow();
  const nodes = useMemo<TreeFlowNode[]>(
    () =>
      data.drawing.nodes.map((n) => ({
        id: n.id,
        type: 'tree',
        position: n.position,
        selected: n.id === selected,
        draggable: false,
        connectable: false,
        data: { node: n.node, isStart: n.isStart, problems: 0, diff: n.status },
      })),
    [data, selected],
  );
  const edges = useMemo<TreeFlowEdge[]>(
    () =>
      data.drawing.edges.map(({ status, ...edge }) => ({
        ...edge,
        selectable: false,
        className: status ? `diff-edge diff-${status}` : 'diff-edge',
        ...(status
          ? {
              style: {
                stroke: EDGE_COLOUR[status],
                strokeWidth: 3,
                strokeDasharray: status === 'removed' ? '6 4' : undefined,
              },
              markerEnd: { type: MarkerType.ArrowClosed, color: EDGE_COLOUR[status] },
              label: `${edge.label ?? ''} (${DIFF_LABEL[status].toLowerCase()})`,
            }
          : {}),
      })),
    [data],
  );
  const { counts } = data.drawing;
  return (
    <>
      <ReactFlow<TreeFlowNode, TreeFlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        nodesDraggable={false}
        nodesConnectable={false}
        deleteKeyCode={null}
        onNodeClick={(_, node) => onSelect(node.id)}
        onPaneClick={() => onSelect(null)}
        onInit={() => void flow.fitView({ maxZoom: 1 })}
        minZoom={0.05}
        proOptions={{ hideAttribution: true }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
      <ul className="compare-legend" aria-label="Legend">
        {(['added', 'removed', 'changed'] as const).map((status) => (
          <li key={status} className={`legend-${status}`}>
            <span className="swatch" aria-hidden="true" />
            {DIFF_LABEL[status]}: {counts[status].nodes} node{counts[status].nodes === 1 ? '' : 's'},{' '}
            {counts[status].edges} link{counts[status].edges === 1 ? '' : 's'}
          </li>
        ))}
      </ul>
    </>
  );
}

function Lines({ lines }: { lines: ChangeLine[] }) {
  return (
    <table className="change-table">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines of one change, in a fixed order
          <tr key={i}>
            <th scope="row">{line.what}</th>
            <td className="before">{line.before}</td>
            <td className="after">{line.after}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The side panel of a compare: what changed, as a list; the selected node before and after. */
export function CompareChanges({
  pair,
  compare,
  selected,
  onSelect,
  onClose,
}: {
  pair: ComparePair;
  compare: ReturnType<typeof useCompareData>;
  selected: string | null;
  onSelect: (id: string) => void;
  onClose: () => void;
}) {
  const title = `Changes from ${sideLabel(pair.from)} to ${sideLabel(pair.to)}`;
  const head = (
    <div className="compare-head">
      <h2>{title}</h2>
      <button type="button" className="button small" onClick={onClose}>
        Close compare
      </button>
    </div>
  );
  if (compare.error) {
    return (
      <section className="panel-section" aria-label="Compare">
        {head}
        <FormErrors messages={describeError(compare.error).general} />
      </section>
    );
  }
  if (!compare.data) {
    return (
      <section className="panel-section" aria-label="Compare">
        {head}
        <p className="muted">Comparing…</p>
      </section>
    );
  }
  const { diff, drawing } = compare.data;
  const picked = selected ? drawing.nodes.find((n) => n.id === selected) : undefined;
  const pickedChange = selected ? diff.nodes_changed.find((c) => c.node_id === selected) : undefined;
  const nodeTitle = (id: string) => drawing.nodes.find((n) => n.id === id)?.node.title || id;
  const item = (id: string, status: DiffStatus) => (
    <li key={`${status}-${id}`} className={`change-item diff-${status}`}>
      <button type="button" className="link-button wrap" onClick={() => onSelect(id)}>
        {nodeTitle(id)}
      </button>{' '}
      <span className={`badge diff-${status}`}>{DIFF_LABEL[status].toLowerCase()}</span>
    </li>
  );
  return (
    <section className="panel-section" aria-label="Compare">
      {head}
      {picked && (
        <section className="compare-node" aria-label={`Compared node ${picked.id}`}>
          <h3>
            {picked.node.title || picked.id}{' '}
            {picked.status ? (
              <span className={`badge diff-${picked.status}`}>{DIFF_LABEL[picked.status].toLowerCase()}</span>
            ) : (
              <span className="badge">unchanged</span>
            )}
          </h3>
          {pickedChange && <Lines lines={nodeChangeLines(pickedChange)} />}
          {picked.status === 'added' && <p className="muted">New in {sideLabel(pair.to)}.</p>}
          {picked.status === 'removed' && <p className="muted">Not in {sideLabel(pair.to)} any more.</p>}
        </section>
      )}
      {isEmptyDiff(diff) ? (
        <p className="notice">No differences: both have the same steps.</p>
      ) : (
        <>
          <ul className="change-list" aria-label="Changed nodes">
            {diff.nodes_added.map((n) => item(n.id, 'added'))}
            {diff.nodes_removed.map((n) => item(n.id, 'removed'))}
            {diff.nodes_changed.map((c) => item(c.node_id, 'changed'))}
          </ul>
          {(diff.edges_added.length > 0 || diff.edges_removed.length > 0) && (
            <ul className="change-list" aria-label="Changed links">
              {diff.edges_added.map((e) => (
                <li key={`a-${e.source}-${e.via}-${e.key}-${e.target}`}>
                  {nodeTitle(e.source)} → {nodeTitle(e.target)} <span className="muted">({e.label})</span>{' '}
                  <span className="badge diff-added">added</span>
                </li>
              ))}
              {diff.edges_removed.map((e) => (
                <li key={`r-${e.source}-${e.via}-${e.key}-${e.target}`}>
                  {nodeTitle(e.source)} → {nodeTitle(e.target)} <span className="muted">({e.label})</span>{' '}
                  <span className="badge diff-removed">removed</span>
                </li>
              ))}
            </ul>
          )}
          {diff.start && (
            <p>
              Start: {nodeTitle(String(diff.start.before ?? ''))} → {nodeTitle(String(diff.start.after ?? ''))}
            </p>
          )}
          {(diff.variables_added.length > 0 ||
            diff.variables_removed.length > 0 ||
            diff.variables_changed.length > 0) && (
            <ul className="change-list" aria-label="Changed variables">
              {diff.variables_added.map((v) => (
                <li key={`a-${v.name}`}>
                  Variable <code>{v.name}</code> <span className="badge diff-added">added</span>
                </li>
              ))}
              {diff.variables_removed.map((v) => (
                <li key={`r-${v.name}`}>
                  Variable <code>{v.name}</code> <span className="badge diff-removed">removed</span>
                </li>
              ))}
              {diff.variables_changed.map((v) => (
                <li key={`c-${v.name}`}>
                  Variable <code>{v.name}</code>:{' '}
                  {v.changes
                    .map(
                      (c) => `${fieldName(c.field)} ${fieldText(c.field, c.before)} → ${fieldText(c.field, c.after)}`,
                    )
                    .join('; ')}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

/** Centers the compare view on a node. */
export function useCenterOn() {
  const flow = useReactFlow();
  return (position: { x: number; y: number }) =>
    void flow.setCenter(position.x + NODE_WIDTH / 2, position.y + NODE_HEIGHT / 2, {
      zoom: Math.max(flow.getZoom(), 0.8),
      duration: 150,
    });
}
