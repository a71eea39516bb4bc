import '@xyflow/react/dist/style.css';

import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type NodeChange,
} from '@xyflow/react';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Link, useBlocker, useParams } from 'react-router';

import { describeError } from '../../../lib/api/errors';
import { useSaveShortcut, useSingleFlight } from '../../../lib/guards/hooks';
import { FormErrors } from '../../../ui/forms';
import { Loading, usePageTitle } from '../../../ui/page';
import { NodePanel, type NodeChoice } from '../components/NodePanel';
import { TreeNode } from '../components/TreeNode';
import { VariablesEditor } from '../components/VariablesEditor';
import {
  conflictRevision,
  publishProblems,
  useLinkTargets,
  usePublish,
  useReloadDraft,
  useSaveDraft,
  useTreeDraft,
  useValidate,
  type TreeDetail,
} from '../hooks';
import { initialPositions, layoutPositions, NODE_HEIGHT, NODE_WIDTH, placeBelow } from '../layout';
import {
  addNode,
  blankNode,
  connect,
  fromGraph,
  KINDS,
  normaliseProblems,
  newNodeId,
  problemsByNode,
  removeEdges,
  removeNodes,
  syncFlowNodes,
  toFlowEdges,
  toGraph,
  updateNode,
  type EditorDoc,
  type GraphNode,
  type NodeKind,
  type Problem,
  type TreeFlowEdge,
  type TreeFlowNode,
  type XY,
} from '../model';

const nodeTypes = { tree: TreeNode };
const EMPTY_PROBLEMS: Problem[] = [];
/** Up to this many nodes the whole tree is fitted into view; bigger trees open on the start. */
const FIT_VIEW_MAX = 60;
/** From this many nodes on, only the nodes in view are drawn. */
const VISIBLE_ONLY_MIN = 200;

export function TreeEditorPage() {
  const { treeId = '' } = useParams();
  const tree = useTreeDraft(treeId);
  usePageTitle(tree.data ? `Edit ${tree.data.title}` : 'Tree editor');
  // Opens on a copy fetched now, not on one another page left in the cache.
  if (tree.isPending || (tree.isFetching && !tree.isFetchedAfterMount)) return <Loading label="Opening the editor…" />;
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

function positionsOf(nodes: readonly TreeFlowNode[]): Map<string, XY> {
  return new Map(nodes.map((n) => [n.id, n.position]));
}

type Pending = 'save' | 'publish' | 'check';

function Editor({ detail }: { detail: TreeDetail }) {
  const treeId = detail.id;
  const draft = detail.draft;
  const initial = useMemo(() => {
    const { doc, positions } = fromGraph(draft?.graph ?? {});
    const laid = initialPositions(doc, positions);
    return { doc, positions: laid.positions, nodes: syncFlowNodes(doc, [], laid.positions, new Map()) };
  }, [draft]);

  const [doc, setDoc] = useState<EditorDoc>(initial.doc);
  const [nodes, setNodes] = useState<TreeFlowNode[]>(initial.nodes);
  const [selectedEdges, setSelectedEdges] = useState<ReadonlySet<string>>(new Set());
  const [problems, setProblems] = useState<Problem[]>(EMPTY_PROBLEMS);
  const [dirty, setDirty] = useState(false);
  const [title, setTitle] = useState(detail.title);
  const [changelog, setChangelog] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [tab, setTab] = useState<'node' | 'variables'>('node');
  const [newKind, setNewKind] = useState<NodeKind>('question');
  const [pending, setPending] = useState<Pending | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const revision = useRef(draft?.revision ?? 1);
  const edits = useRef(0);
  const docRef = useRef(doc);
  const nodesRef = useRef(nodes);
  const titleRef = useRef(title);
  useLayoutEffect(() => {
    docRef.current = doc;
    nodesRef.current = nodes;
    titleRef.current = title;
  });
  const newPositions = useRef(new Map<string, XY>());
  const flow = useReactFlow<TreeFlowNode, TreeFlowEdge>();

  const save = useSaveDraft(treeId);
  const publish = usePublish(treeId);
  const validate = useValidate(treeId);
  const reload = useReloadDraft(treeId);
  const hasLinks = doc.nodes.some((n) => n.kind === 'link');
  const linkTargets = useLinkTargets(hasLinks);

  const byNode = useMemo(() => problemsByNode(problems), [problems]);
  const counts = useMemo(() => new Map([...byNode].map(([id, list]) => [id, list.length])), [byNode]);

  // The document changed (or its problems): refresh the React Flow nodes that changed.
  const first = useRef(true);
  useLayoutEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    setNodes((prev) => syncFlowNodes(doc, prev, newPositions.current, counts));
  }, [doc, counts]);

  const edges = useMemo(() => {
    const all = toFlowEdges(doc);
    return selectedEdges.size === 0 ? all : all.map((e) => (selectedEdges.has(e.id) ? { ...e, selected: true } : e));
  }, [doc, selectedEdges]);

  const edit = useCallback((change: (doc: EditorDoc) => EditorDoc) => {
    setDoc((d) => {
      const next = change(d);
      if (next !== d) {
        edits.current += 1;
        setDirty(true);
        setNotice(null);
      }
      return next;
    });
  }, []);

  const selectedId = useMemo(() => nodes.find((n) => n.selected)?.id ?? null, [nodes]);
  const selected = selectedId ? doc.nodes.find((n) => n.id === selectedId) : undefined;

  const select = useCallback(
    (id: string | null, center = true) => {
      setNodes((prev) =>
        prev.map((n) => (n.selected === (n.id === id) ? n : { ...n, selected: n.id === id })),
      );
      setTab('node');
      if (id && center) {
        const at = nodesRef.current.find((n) => n.id === id)?.position ?? newPositions.current.get(id);
        if (at) {
          void flow.setCenter(at.x + NODE_WIDTH / 2, at.y + NODE_HEIGHT / 2, {
            zoom: Math.max(flow.getZoom(), 0.8),
            duration: 150,
          });
        }
      }
    },
    [flow],
  );

  // ------------------------------------------------------------------ canvas events

  const onNodesChange = useCallback((changes: NodeChange<TreeFlowNode>[]) => {
    const moved = changes.some((c) => c.type === 'position' && c.dragging === false);
    setNodes((prev) => applyNodeChanges(changes.filter((c) => c.type !== 'remove'), prev));
    if (moved) setDirty(true);
  }, []);

  const onNodesDelete = useCallback(
    (deleted: TreeFlowNode[]) => edit((d) => removeNodes(d, new Set(deleted.map((n) => n.id)))),
    [edit],
  );

  const onEdgesChange = useCallback((changes: EdgeChange<TreeFlowEdge>[]) => {
    const selects = changes.filter((c) => c.type === 'select');
    if (selects.length === 0) return;
    setSelectedEdges((prev) => {
      const next = new Set(prev);
      for (const c of selects) {
        if (c.selected) next.add(c.id);
        else next.delete(c.id);
      }
      return next;
    });
  }, []);

  const onEdgesDelete = useCallback(
    (deleted: TreeFlowEdge[]) => {
      setSelectedEdges(new Set());
      edit((d) => removeEdges(d, deleted));
    },
    [edit],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      const next = connect(docRef.current, connection.source, connection.target);
      if (!next) {
        setMessage('Solutions, escalations and links end the path here: they cannot lead to another node.');
        return;
      }
      setMessage(null);
      edit(() => next);
    },
    [edit],
  );

  // ------------------------------------------------------------------ editing

  const addNewNode = useCallback(
    (kind: NodeKind, from?: string) => {
      const d = docRef.current;
      const id = newNodeId(d);
      const label = KINDS.find((k) => k.kind === kind)?.label ?? kind;
      const node = blankNode(id, kind, `New ${label.toLowerCase()}`);
      const positions = positionsOf(nodesRef.current);
      const anchor = from ? positions.get(from) : selectedId ? positions.get(selectedId) : undefined;
      newPositions.current.set(id, placeBelow(anchor, positions.values()));
      edit((doc) => {
        const added = addNode(doc, node);
        return from ? (connect(added, from, id) ?? added) : added;
      });
      // Select it once React Flow has it.
      requestAnimationFrame(() => {
        select(id);
        document.getElementById(`node-${id}-title`)?.focus();
      });
    },
    [edit, select, selectedId],
  );

  const changeNode = useCallback((node: GraphNode) => edit((d) => updateNode(d, node.id, () => node)), [edit]);

  const autoLayout = () => {
    const positions = layoutPositions(docRef.current);
    setNodes((prev) => prev.map((n) => ({ ...n, position: positions.get(n.id) ?? n.position })));
    setDirty(true);
    requestAnimationFrame(() => void flow.fitView({ duration: 200 }));
  };

  // ------------------------------------------------------------------ save and publish

  const doSave = async () => {
    const startedAt = edits.current;
    const graph = toGraph(docRef.current, positionsOf(nodesRef.current));
    const saved = await save.mutateAsync({
      baseRevision: revision.current,
      graph,
      title: titleRef.current.trim() || undefined,
    });
    revision.current = saved.draft?.revision ?? revision.current + 1;
    if (edits.current === startedAt) setDirty(false);
    setNotice('All changes saved.');
  };

  const action = useSingleFlight(async (kind: Pending) => {
    setPending(kind);
    setMessage(null);
    setNotice(null);
    publish.reset();
    try {
      if (kind === 'save') {
        await doSave();
      } else if (kind === 'check') {
        if (dirty) await doSave();
        const report = await validate.mutateAsync();
        setProblems(normaliseProblems(report.problems));
        setNotice(report.is_valid ? 'No problems: the draft can be published.' : null);
      } else {
        if (dirty) await doSave();
        try {
          const version = await publish.mutateAsync({ changelog: changelog.trim(), baseRevision: revision.current });
          setProblems(EMPTY_PROBLEMS);
          setChangelog('');
          setNotice(`Published version ${version.number}.`);
        } catch (error) {
          const found = publishProblems(error);
          if (found) setProblems(found);
          throw error;
        }
      }
    } finally {
      setPending(null);
    }
  });
  useSaveShortcut(() => action.run('save'));

  // Leaving with unsaved changes asks first: the browser asks on reload and close, the page
  // itself on a link or Back inside the app (stay, save and leave, or leave without saving).
  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty]);
  const leaving = useBlocker(
    ({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname,
  );
  const [leaveAfterSave, setLeaveAfterSave] = useState(false);
  useEffect(() => {
    if (!leaveAfterSave || action.busy || leaving.state !== 'blocked') return;
    setLeaveAfterSave(false);
    // Saved: go on. Not saved (e.g. someone else saved first): stay, with the error shown.
    if (dirty) leaving.reset();
    else leaving.proceed();
  }, [leaveAfterSave, action.busy, dirty, leaving]);

  const conflict = conflictRevision(save.error);
  const saveErrors = conflict ? [] : describeError(save.error).general;
  const publishErrors = publishProblems(publish.error)
    ? ['The tree cannot be published until the problems marked on the nodes are fixed.']
    : describeError(publish.error).general;
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
          : `Saved (revision ${revision.current})`;

  const onInit = useCallback(() => {
    const all = nodesRef.current;
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
            value={title}
            onChange={(e) => {
              setTitle(e.target.value);
              setDirty(true);
            }}
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
          aria-disabled={action.busy || undefined}
          onClick={() => action.run('save')}
        >
          Save draft
        </button>
        <div className="publish-group">
          <label htmlFor="changelog" className="visually-hidden">
            Changelog
          </label>
          <input
            id="changelog"
            placeholder="What changed (changelog)"
            maxLength={500}
            value={changelog}
            onChange={(e) => setChangelog(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                action.run('publish');
              }
            }}
          />
          <button type="button" className="button" aria-disabled={action.busy || undefined} onClick={() => action.run('publish')}>
            Publish
          </button>
        </div>
        <button type="button" className="button small" aria-disabled={action.busy || undefined} onClick={() => action.run('check')}>
          Check problems
        </button>
        <Link className="button small" to="/trees">
          Library
        </Link>
      </div>

      {leaving.state === 'blocked' && (
        <div className="form-errors conflict" role="alertdialog" aria-labelledby="leave-title">
          <p id="leave-title">This tree has unsaved changes. Leave the editor?</p>
          <div className="actions">
            <button type="button" className="button small" onClick={() => leaving.reset()}>
              Stay
            </button>
            <button
              type="button"
              className="button small primary"
              aria-disabled={action.busy || undefined}
              onClick={() => {
                setLeaveAfterSave(true);
                action.run('save');
              }}
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
          <p>
            Someone saved this tree after you opened it (now at revision {conflict}). Nothing was overwritten.
          </p>
          <div className="actions">
            <button type="button" className="button small" onClick={() => void reload()}>
              Reload their version (drop my changes)
            </button>
            <button
              type="button"
              className="button small"
              onClick={() => {
                revision.current = conflict;
                save.reset();
                action.run('save');
              }}
            >
              Save mine over theirs
            </button>
          </div>
        </div>
      )}
      <FormErrors messages={[...saveErrors, ...publishErrors, ...describeError(validate.error).general]} />
      {message && <p className="form-errors">{message}</p>}
      {notice && (
        <p className="notice success" role="status">
          {notice}
        </p>
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

      <div className="editor-body">
        <section className="editor-canvas" aria-label="Tree graph">
          <ReactFlow<TreeFlowNode, TreeFlowEdge>
            nodes={nodes}
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
        </section>

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
                <select id="new-kind" value={newKind} onChange={(e) => setNewKind(e.target.value as NodeKind)}>
                  {KINDS.map((k) => (
                    <option key={k.kind} value={k.kind}>
                      {k.label}
                    </option>
                  ))}
                </select>
              </div>
              <button type="button" className="button small" onClick={() => addNewNode(newKind)}>
                Add node
              </button>
              <button type="button" className="button small" onClick={autoLayout}>
                Auto layout
              </button>
            </div>
          </div>
          <div role="tablist" aria-label="Panel" className="tabs small">
            <button
              type="button"
              role="tab"
              id="panel-tab-node"
              aria-selected={tab === 'node'}
              aria-controls="panel-node"
              onClick={() => setTab('node')}
            >
              Node
            </button>
            <button
              type="button"
              role="tab"
              id="panel-tab-variables"
              aria-selected={tab === 'variables'}
              aria-controls="panel-variables"
              onClick={() => setTab('variables')}
            >
              Variables ({doc.variables.length})
            </button>
          </div>
          {tab === 'node' ? (
            <div id="panel-node" role="tabpanel" aria-labelledby="panel-tab-node">
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
                  onDelete={() => {
                    edit((d) => removeNodes(d, new Set([selected.id])));
                  }}
                  onAddConnected={(kind) => addNewNode(kind, selected.id)}
                  onSelect={(id) => select(id)}
                />
              ) : (
                <p className="muted panel-empty">
                  {doc.nodes.length === 0
                    ? 'The tree is empty: add its first node above.'
                    : 'Select a node on the canvas or in the list above to edit it. Drag from a node’s bottom handle to another node to connect them.'}
                </p>
              )}
            </div>
          ) : (
            <div id="panel-variables" role="tabpanel" aria-labelledby="panel-tab-variables">
              <VariablesEditor
                variables={doc.variables}
                problems={treeProblems}
                onChange={(variables) => edit((d) => ({ ...d, variables }))}
              />
            </div>
          )}
        </aside>
      </div>
    </div>
  );
}
