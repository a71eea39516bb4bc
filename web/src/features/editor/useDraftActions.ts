// Save draft, Check problems and Publish for the editor: one single-flight action shared by the
// buttons and Ctrl+S, the 409 draft_conflict offer, and the unsaved-changes prompt on leaving.

import { useEffect, useLayoutEffect, useRef, useState, type Dispatch } from 'react';
import { useBlocker } from 'react-router';

import { describeError } from '../../lib/api/errors';
import { useSaveShortcut, useSingleFlight } from '../../lib/guards/hooks';
import {
  conflictRevision,
  publishProblems,
  usePublish,
  useReloadDraft,
  useRestoreVersion,
  useSaveDraft,
  useValidate,
} from './hooks';
import { normaliseProblems, toGraph } from './model';
import type { EditorAction, EditorState, Pending } from './state';

export function useDraftActions(treeId: string, state: EditorState, dispatch: Dispatch<EditorAction>) {
  const save = useSaveDraft(treeId);
  const publish = usePublish(treeId);
  const validate = useValidate(treeId);
  const restore = useRestoreVersion(treeId);
  const reload = useReloadDraft(treeId);
  /** The publish dialog is open (the draft was saved and has no problems). */
  const [publishing, setPublishing] = useState(false);
  /** The last "Publish" found problems before asking anything. */
  const [refused, setRefused] = useState(false);
  // The action reads the state as it is when it runs (and again after awaiting a save).
  const latest = useRef(state);
  useLayoutEffect(() => {
    latest.current = state;
  });

  const doSave = async (baseRevision = latest.current.revision) => {
    const { doc, nodes, title, edits } = latest.current;
    const graph = toGraph(doc, new Map(nodes.map((n) => [n.id, n.position])));
    const saved = await save.mutateAsync({ baseRevision, graph, title: title.trim() || undefined });
    const revision = saved.draft?.revision ?? baseRevision + 1;
    latest.current = {
      ...latest.current,
      revision,
      dirty: latest.current.edits === edits ? false : latest.current.dirty,
    };
    dispatch({ type: 'saved', revision, editsAtStart: edits });
  };

  const action = useSingleFlight(async (kind: Pending, arg?: number, then?: () => void) => {
    dispatch({ type: 'started', pending: kind });
    publish.reset();
    restore.reset();
    setRefused(false);
    try {
      if (kind === 'save') {
        await doSave(arg);
        then?.();
      } else if (kind === 'check') {
        if (latest.current.dirty) await doSave();
        const report = await validate.mutateAsync();
        dispatch({ type: 'checked', problems: normaliseProblems(report.problems), valid: report.is_valid });
      } else if (kind === 'prepare-publish') {
        // Saved and checked first: the dialog then compares what is saved against the live version.
        if (latest.current.dirty) await doSave();
        const report = await validate.mutateAsync();
        const problems = normaliseProblems(report.problems);
        dispatch({ type: 'refused', problems });
        if (report.is_valid) setPublishing(true);
        else setRefused(true);
      } else if (kind === 'restore' && arg !== undefined) {
        // Unsaved edits are saved first: Undo brings back the draft as the server had it.
        if (latest.current.dirty) await doSave();
        const tree = await restore.mutateAsync({ number: arg, baseRevision: latest.current.revision });
        if (tree.draft) {
          dispatch({
            type: 'loaded',
            draft: tree.draft,
            notice: `Version ${arg} restored into the draft.`,
            undo: { label: `version ${arg}`, graph: tree.previous_draft.graph },
          });
        }
      } else if (kind === 'undo') {
        const undo = latest.current.undo;
        if (!undo) return;
        const saved = await save.mutateAsync({ baseRevision: latest.current.revision, graph: undo.graph });
        if (saved.draft) {
          dispatch({
            type: 'loaded',
            draft: saved.draft,
            notice: 'Restore undone: the draft is as it was.',
            undo: null,
          });
        }
      } else if (kind === 'publish') {
        if (latest.current.dirty) await doSave();
        const { changelog, revision } = latest.current;
        try {
          const version = await publish.mutateAsync({ changelog: changelog.trim(), baseRevision: revision });
          setPublishing(false);
          dispatch({ type: 'published', version: version.number });
        } catch (error) {
          const found = publishProblems(error);
          if (found) {
            setPublishing(false);
            dispatch({ type: 'refused', problems: found });
          }
          throw error;
        }
      }
    } finally {
      dispatch({ type: 'finished' });
    }
  });
  const run = (kind: Pending, arg?: number) => action.run(kind, arg);
  /** Saves unsaved changes first (if any), then calls `then`. */
  const afterSave = (then: () => void) => {
    if (latest.current.dirty) action.run('save', undefined, then);
    else then();
  };
  useSaveShortcut(() => action.run('save'));

  // Leaving with unsaved changes asks first: the browser asks on reload and close, the page
  // itself on a link or Back inside the app (stay, save and leave, or leave without saving).
  const { dirty } = state;
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
  const publishErrors =
    refused || publishProblems(publish.error)
      ? ['The tree cannot be published until the problems marked on the nodes are fixed.']
      : describeError(publish.error).general;
  return {
    run,
    afterSave,
    busy: action.busy,
    /** The revision someone else saved (a 409 draft_conflict), or null. */
    conflict,
    errors: [
      ...(conflict ? [] : describeError(save.error).general),
      ...publishErrors,
      ...describeError(validate.error).general,
      ...describeError(restore.error).general,
    ],
    /** The publish dialog is open. */
    publishing,
    closePublish: () => {
      publish.reset();
      setPublishing(false);
    },
    /** Drop my changes: open their version. */
    reload: () => void reload(),
    /** Save mine over theirs: the next save is based on their revision. */
    overwrite: (revision: number) => {
      save.reset();
      action.run('save', revision);
    },
    /** The in-app navigation waiting on the unsaved-changes prompt, if any. */
    leaving: leaving.state === 'blocked' ? leaving : null,
    saveAndLeave: () => {
      setLeaveAfterSave(true);
      action.run('save');
    },
  };
}
