import '@xyflow/react/dist/style.css';

import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useLayoutEffect, useMemo, useReducer, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { isUuid } from '../../../app/paths';
import { FormErrors } from '../../../ui/forms';
import { isNotFound, NOT_FOUND, NotFound } from '../../../ui/NotFound';
import { Loading, usePageTitle } from '../../../ui/page';
import type { ComparePair } from '../compare';
import { CompareCanvas, CompareChanges, useCompareData } from '../components/Compare';
import { NodePanel, type NodeChoice } from '../components/NodePanel';
import { FeedbackPins } from '../../feedback/components/pins';
import { NodeFeedback } from '../../feedback/components/NodeFeedback';
import { type FeedbackRead, useOpenFeedback } from '../../feedback/hooks';
import { PublishDialog } from '../components/PublishDialog';
import { TreeNode } from '../components/TreeNode';
import { VariablesEditor } from '../components/VariablesEditor';
import { VersionsPanel } from '../components/VersionsPanel';
import { HeatControls, type HeatChoice } from '../../insights/components/HeatControls';
import { heatMap } from '../../insights/heat';
import { useVersionHeat } from '../../insights/hooks';
import { insightsPath } from '../../insights/paths';
import { useLinkTargets, useTreeDraft, useVersions, type TreeDetail } from '../hooks';
import { layoutPositions, NODE_HEIGHT, NODE_WIDTH, placeBelow } from '../layout';
import {
  type Branch,
  blankNode,
  KINDS,
  newNodeId,
  problemsByNode,
  toFlowEdges,
  toGraph,
  updateNode,
  type EditorDoc,
  type Graph,
  type GraphNode,
  type NodeKind,
  type TreeFlowEdge,
  type TreeFlowNode,
  type XY,
} from '../model';
import { EMPTY_PROBLEMS, editorReducer, initialState } from '../state';
import { useDraftActions } from '../useDraftActions';

const nodeTypes = { tree: TreeNode };
const EMPTY_GRAPH: Graph = {};
/** Up to this many nodes the whole tree is fitted into view; bigger trees open on the start. */
const FIT_VIEW_MAX = 60;
/** From this many nodes on, only the nodes in view are drawn. */
const VISIBLE_ONLY_MIN = 200;

export function TreeEditorPage() {
  const { treeId = '' } = useParams();
  // A malformed id names no tree: no request for it.
  if (!isUuid(treeId)) return <NotFound {...NOT_FOUND.tree} />;
  return <EditorById treeId={treeId} />;
}

function EditorById({ treeId }: { treeId: string }) {
  const tree = useTreeDraft(treeId);
  usePageTitle(tree.data ? `Edit ${tree.data.title}` : 'Tree editor');
  // Opens on a copy fetched now, not on one another page left in the cache.
  if (tree.isPending || (tree.isFetching && !tree.isFetchedAfterMount)) return <Loading label="Opening the editor…" />;
  if (tree.isError && isNotFound(tree.error)) return <NotFound {...NOT_FOUND.tree} />;
  if (tree.isError || !tree.data.draft) {
    return (
      <>
        <h1>Tree editor</h1>
        <FormErrors
          messages={tree.isError ? describeError(tree.error).general : ['Only engineers and admins can edit trees.']}
        />
        <Link to="/trees">Back to the library</Link>
      </>
    );
  }
  return (
    <ReactFlowProvider>
      <Editor key={tree.dataUpdatedAt} detail={tree.data} />
    </ReactFlowProvider>
  );
}

function Editor({ detail }: { detail: TreeDetail }) {
  const treeId = detail.id;
  const [state, dispatch] = useReducer(editorReducer, detail.draft, (draft) => initialState(draft, detail.title));
  const { doc, nodes, problems, dirty, pending } = state;
  const flow = useReactFlow<TreeFlowNode, TreeFlowEdge>();
  const draft = useDraftActions(treeId, state, dispatch);
  const linkTargets = useLinkTargets(doc.nodes.some((n) => n.kind === 'link'));
  // Event handlers read the newest state (React Flow keeps its callbacks).
  const latest = useRef(state);
  useLayoutEffect(() => {
    latest.current = state;
  });

  const byNode = useMemo(() => problemsByNode(problems), [problems]);
  const openFeedback = useOpenFeedback(treeId);
  const feedbackByNode = useMemo(() => {
    const grouped = new Map<string, FeedbackRead[]>();
    for (const f of openFeedback.data?.items ?? []) grouped.set(f.node_id, [...(grouped.get(f.node_id) ?? []), f]);
    return grouped;
  }, [openFeedback.data]);
  const feedbackPins = useMemo(
    () => new Map([...feedbackByNode].map(([id, list]) => [id, list.length])),
    [feedbackByNode],
  );

  // Compare: the canvas draws two versions (or a version and the saved draft) instead of the draft.
  const [compareState, setCompareState] = useState<{ pair: ComparePair; draft: Graph } | null>(null);
  const comparing = compareState?.pair ?? null;
  const [compareSelected, setCompareSelected] = useState<string | null>(null);
  const compare = useCompareData(treeId, comparing, compareState?.draft ?? EMPTY_GRAPH);
  // While comparing, the panel shows the changes and the versions.
  const tab = comparing ? 'versions' : state.tab;
  const openCompare = (pair: ComparePair) => {
    const show = () => {
      const { doc: now, nodes: drawn } = latest.current;
      setCompareSelected(null);
      // The draft as saved now: what the server compares.
      setCompareState({ pair, draft: toGraph(now, new Map(drawn.map((n) => [n.id, n.position]))) });
      dispatch({ type: 'tab', tab: 'versions' });
    };
    if (pair.to === 'draft') draft.afterSave(show);
    else show();
  };
  const edges = useMemo(() => {
    const all = toFlowEdges(doc);
    const chosen = state.selectedEdges;
    return chosen.size === 0 ? all : all.map((e) => (chosen.has(e.id) ? { ...e, selected: true } : e));
  }, [doc, state.selectedEdges]);
  const edit = useCallback((change: (doc: EditorDoc) => EditorDoc) => dispatch({ type: 'edit', change }), []);

  // Heat overlay: a published version's figures drawn on the draft's nodes (by node id).
  const [heatChoice, setHeatChoice] = useState<HeatChoice>({ versionId: null, metric: 'visits' });
  const heatVersions = useVersions(treeId);
  const heatFigures = useVersionHeat(treeId, heatChoice.versionId);
  const heat = useMemo(
    () => (heatChoice.versionId && heatFigures.data ? heatMap(heatFigures.data.nodes, heatChoice.metric) : null),
    [heatChoice, heatFigures.data],
  );
  const shownNodes = useMemo(
    () => (heat ? nodes.map((n) => ({ ...n, data: { ...n.data, heat: heat.get(n.id) ?? null } })) : nodes),
    [nodes, heat],
  );
  const heatStatus = !heatChoice.versionId
    ? null
    : heatFigures.isError
      ? 'The figures could not be loaded.'
      : heatFigures.data
        ? `${heatFigures.data.totals.started} sessions`
        : 'Counting…';

  const selectedId = useMemo(() => nodes.find((n) => n.selected)?.id ?? null, [nodes]);
  const selected = selectedId ? doc.nodes.find((n) => n.id === selectedId) : undefined;

  /** Selects a node (or none) and brings it into view. */
  const select = useCallback(
    (id: string | null, at?: XY) => {
      dispatch({ type: 'select', id });
      const position = at ?? latest.current.nodes.find((n) => n.id === id)?.position;
      if (id && position) {
        void flow.setCenter(position.x + NODE_WIDTH / 2, position.y + NODE_HEIGHT / 2, {
          zoom: Math.max(flow.getZoom(), 0.8),
          duration: 150,
        });
      }
    },
    [flow],
  );

  // ------------------------------------------------------------------ canvas events

  const onNodesChange = useCallback(
    (changes: NodeChange<TreeFlowNode>[]) => dispatch({ type: 'nodes-change', changes }),
    [],
  );
  const onNodesDelete = useCallback(
    (deleted: TreeFlowNode[]) => dispatch({ type: 'remove-nodes', ids: deleted.map((n) => n.id) }),
    [],
  );
  const onEdgesChange = useCallback(
    (changes: EdgeChange<TreeFlowEdge>[]) => dispatch({ type: 'edges-change', changes }),
    [],
  );
  const onEdgesDelete = useCallback(
    (deleted: TreeFlowEdge[]) => dispatch({ type: 'remove-edges', edges: deleted }),
    [],
  );
  const onConnect = useCallback(
    (connection: Connection) => dispatch({ type: 'connect', source: connection.source, target: connection.target }),
    [],
  );

  // ------------------------------------------------------------------ editing

  const addNewNode = useCallback(
    (kind: NodeKind, from?: string) => {
      const { doc: current, nodes: drawn } = latest.current;
      const id = newNodeId(current);
      const label = KINDS.find((k) => k.kind === kind)?.label ?? kind;
      const positions = new Map(drawn.map((n) => [n.id, n.position]));
      const anchorId = from ?? drawn.find((n) => n.selected)?.id;
      const position = placeBelow(anchorId ? positions.get(anchorId) : undefined, positions.values());
      dispatch({ type: 'add-node', node: blankNode(id, kind, `New ${label.toLowerCase()}`), position, from });
      // Select it once React Flow has it.
      requestAnimationFrame(() => {
        select(id, position);
        document.getElementById(`node-${id}-title`)?.focus();
      });
    },
    [select],
  );

  const onBranch = useCallback((branch: Branch | null) => dispatch({ type: 'branch', branch }), []);
  const changeNode = useCallback((node: GraphNode) => edit((d) => updateNode(d, node.id, () => node)), [edit]);

  const autoLayout = () => {
    dispatch({ type: 'layout', positions: layoutPositions(latest.current.doc) });
    requestAnimationFrame(() => void flow.fitView({ duration: 200 }));
  };

  const { conflict, leaving } = draft;
  const treeProblems = problems.filter((p) => !p.node_id);
  const problemNodes = [...byNode.keys()];

  const targets: NodeChoice[] = useMemo(() => doc.nodes.map((n) => ({ id: n.id, title: n.title ?? '' })), [doc.nodes]);
  const status =
    pending === 'save'
      ? 'Saving…'
      : pending === 'publish'
        ? 'Publishing…'
        : dirty
          ? 'Unsaved changes'
          : `Saved (revision ${state.revision})`;

  const onInit = useCallback(() => {
    const all = latest.current.nodes;
    if (all.length <= FIT_VIEW_MAX) {
      void flow.fitView({ maxZoom: 1 });
      return;
    }
    const start = all.find((n) => n.data.isStart) ?? all[0];
    if (start) void flow.setCenter(start.position.x + NODE_WIDTH / 2, start.position.y + 250, { zoom: 0.8 });
  }, [flow]);

  return (
    <div className="editor">
      <div className="editor-toolbar">
        <div className="field editor-title">
          <label htmlFor="tree-title" className="visually-hidden">
            Tree title
          </label>
          <input
            id="tree-title"
            value={state.title}
            onChange={(e) => dispatch({ type: 'title', title: e.target.value })}
          />
        </div>
        <h1 className="visually-hidden">Edit {detail.title}</h1>
        <span className={dirty ? 'save-status dirty' : 'save-status'} role="status" data-testid="save-status">
          {status}
        </span>
        <button
          type="button"
          className="button primary"
          aria-keyshortcuts="Control+S"
          aria-disabled={draft.busy || undefined}
          onClick={() => draft.run('save')}
        >
          Save draft
        </button>
        <button
          type="button"
          className="button"
          aria-disabled={draft.busy || undefined}
          onClick={() => draft.run('prepare-publish')}
        >
          Publish…
        </button>
        <button
          type="button"
          className="button small"
          aria-disabled={draft.busy || undefined}
          onClick={() => draft.run('check')}
        >
          Check problems
        </button>
        <Link className="button small" to={insightsPath(treeId)}>
          Analytics
        </Link>
        <Link className="button small" to="/trees">
          Library
        </Link>
        <HeatControls
          versions={heatVersions.items.map((v) => ({ id: v.id, number: v.number, is_live: v.is_live }))}
          value={heatChoice}
          onChange={setHeatChoice}
          status={heatStatus}
        />
      </div>

      {leaving && (
        <div className="form-errors conflict" role="alertdialog" aria-labelledby="leave-title">
          <p id="leave-title">This tree has unsaved changes. Leave the editor?</p>
          <div className="actions">
            <button type="button" className="button small" onClick={() => leaving.reset()}>
              Stay
            </button>
            <button
              type="button"
              className="button small primary"
              aria-disabled={draft.busy || undefined}
              onClick={draft.saveAndLeave}
            >
              Save and leave
            </button>
            <button type="button" className="button small" onClick={() => leaving.proceed()}>
              Leave without saving
            </button>
          </div>
        </div>
      )}

      {conflict !== null && (
        <div className="form-errors conflict" role="alert">
          <p>Someone saved this tree after you opened it (now at revision {conflict}). Nothing was overwritten.</p>
          <div className="actions">
            <button type="button" className="button small" onClick={draft.reload}>
              Reload their version (drop my changes)
            </button>
            <button type="button" className="button small" onClick={() => draft.overwrite(conflict)}>
              Save mine over theirs
            </button>
          </div>
        </div>
      )}
      <FormErrors messages={draft.errors} />
      {state.message && <p className="form-errors">{state.message}</p>}
      {state.notice && (
        <p className="notice success" role="status">
          {state.notice}
          {state.undo && (
            <button
              type="button"
              className="button small undo"
              aria-disabled={draft.busy || undefined}
              onClick={() => draft.run('undo')}
            >
              Undo
            </button>
          )}
        </p>
      )}
      {draft.publishing && (
        <PublishDialog
          treeId={treeId}
          changelog={state.changelog}
          busy={draft.busy}
          errors={draft.errors}
          onChangelog={(changelog) => dispatch({ type: 'changelog', changelog })}
          onPublish={() => draft.run('publish')}
          onShowCompare={(live) => {
            draft.closePublish();
            openCompare({ from: live, to: 'draft' });
          }}
          onClose={draft.closePublish}
        />
      )}
      {(treeProblems.length > 0 || problemNodes.length > 0) && (
        <div className="form-errors problems" role="alert">
          {treeProblems.map((p) => (
            <p key={`${p.field}-${p.code}`}>{p.message}</p>
          ))}
          {problemNodes.length > 0 && (
            <p>
              Problems on {problemNodes.length} node{problemNodes.length === 1 ? '' : 's'}:{' '}
              {problemNodes.slice(0, 12).map((id) => (
                <button key={id} type="button" className="link-button" onClick={() => select(id)}>
                  {doc.nodes.find((n) => n.id === id)?.title || id}
                </button>
              ))}
            </p>
          )}
        </div>
      )}

      {feedbackByNode.size > 0 && (
        <p className="notice feedback-summary">
          Open feedback from technicians on {feedbackByNode.size} node{feedbackByNode.size === 1 ? '' : 's'}:{' '}
          {[...feedbackByNode.keys()].slice(0, 12).map((id) => (
            <button key={id} type="button" className="link-button" onClick={() => select(id)}>
              {doc.nodes.find((n) => n.id === id)?.title || id}
            </button>
          ))}
        </p>
      )}

      <div className="editor-body">
        {comparing ? (
          <section
            className="editor-canvas compare-canvas"
            aria-label={`Compare ${comparing.from} with ${comparing.to}`}
            data-testid="compare-canvas"
          >
            {compare.data ? (
              <CompareCanvas data={compare.data} selected={compareSelected} onSelect={setCompareSelected} />
            ) : (
              <p className="muted panel-empty">{compare.error ? 'The compare could not be loaded.' : 'Comparing…'}</p>
            )}
          </section>
        ) : (
          <section className="editor-canvas" aria-label="Tree graph">
            <FeedbackPins.Provider value={feedbackPins}>
              <ReactFlow<TreeFlowNode, TreeFlowEdge>
                nodes={shownNodes}
                edges={edges}
                nodeTypes={nodeTypes}
                onNodesChange={onNodesChange}
                onNodesDelete={onNodesDelete}
                onEdgesChange={onEdgesChange}
                onEdgesDelete={onEdgesDelete}
                onConnect={onConnect}
                onInit={onInit}
                onlyRenderVisibleElements={nodes.length > VISIBLE_ONLY_MIN}
                deleteKeyCode={['Delete', 'Backspace']}
                minZoom={0.05}
                proOptions={{ hideAttribution: true }}
              >
                <Background />
                <Controls showInteractive={false} />
                {nodes.length <= 300 && <MiniMap pannable zoomable />}
              </ReactFlow>
            </FeedbackPins.Provider>
          </section>
        )}

        <aside className="editor-panel" aria-label="Editor panel">
          <div className="panel-tools">
            <div className="field">
              <label htmlFor="goto-node">Go to node</label>
              <select id="goto-node" value={selectedId ?? ''} onChange={(e) => select(e.target.value || null)}>
                <option value="">— select a node —</option>
                {targets.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.title || 'Untitled'} ({t.id})
                  </option>
                ))}
              </select>
            </div>
            <div className="add-node">
              <div className="field">
                <label htmlFor="new-kind">New node kind</label>
                <select
                  id="new-kind"
                  value={state.newKind}
                  onChange={(e) => dispatch({ type: 'new-kind', kind: e.target.value as NodeKind })}
                >
                  {KINDS.map((k) => (
                    <option key={k.kind} value={k.kind}>
                      {k.label}
                    </option>
                  ))}
                </select>
              </div>
              <button type="button" className="button small" onClick={() => addNewNode(state.newKind)}>
                Add node
              </button>
              <button type="button" className="button small" onClick={autoLayout}>
                Auto layout
              </button>
            </div>
          </div>
          <div role="tablist" aria-label="Panel" className="tabs small">
            {(
              [
                ['node', 'Node'],
                ['variables', `Variables (${doc.variables.length})`],
                ['versions', 'Versions'],
              ] as const
            ).map(([id, label]) => (
              <button
                key={id}
                type="button"
                role="tab"
                id={`panel-tab-${id}`}
                aria-selected={tab === id}
                aria-controls={`panel-${id}`}
                onClick={() => dispatch({ type: 'tab', tab: id })}
              >
                {label}
              </button>
            ))}
          </div>
          {comparing && (
            <CompareChanges
              pair={comparing}
              compare={compare}
              selected={compareSelected}
              onSelect={setCompareSelected}
              onClose={() => setCompareState(null)}
            />
          )}
          {tab === 'node' ? (
            <div id="panel-node" role="tabpanel" aria-labelledby="panel-tab-node">
              {selected && (
                <NodeFeedback key={`feedback-${selected.id}`} items={feedbackByNode.get(selected.id) ?? []} />
              )}
              {selected ? (
                <NodePanel
                  key={selected.id}
                  node={selected}
                  isStart={doc.start === selected.id}
                  targets={targets}
                  problems={byNode.get(selected.id) ?? EMPTY_PROBLEMS}
                  linkTargets={linkTargets.data?.filter((t) => t.id !== treeId)}
                  onChange={changeNode}
                  onSetStart={() => edit((d) => ({ ...d, start: selected.id }))}
                  onDelete={() => dispatch({ type: 'remove-nodes', ids: [selected.id] })}
                  onAddConnected={(kind) => addNewNode(kind, selected.id)}
                  onSelect={(id) => select(id)}
                  branch={state.branch}
                  onBranch={onBranch}
                  variables={doc.variables}
                />
              ) : null}
              {selected ? null : (
                <p className="muted panel-empty">
                  {doc.nodes.length === 0
                    ? 'The tree is empty: add its first node above.'
                    : 'Select a node on the canvas or in the list above to edit it. Drag from a node’s bottom handle to another node to connect them.'}
                </p>
              )}
            </div>
          ) : tab === 'variables' ? (
            <div id="panel-variables" role="tabpanel" aria-labelledby="panel-tab-variables">
              <VariablesEditor
                variables={doc.variables}
                problems={treeProblems}
                onChange={(variables) => edit((d) => ({ ...d, variables }))}
              />
            </div>
          ) : (
            <div id="panel-versions" role="tabpanel" aria-labelledby="panel-tab-versions">
              <VersionsPanel
                treeId={treeId}
                busy={draft.busy}
                comparing={comparing}
                onCompare={openCompare}
                onRestore={(number) => {
                  setCompareState(null);
                  draft.run('restore', number);
                }}
              />
            </div>
          )}
        </aside>
      </div>
    </div>
  );
}
