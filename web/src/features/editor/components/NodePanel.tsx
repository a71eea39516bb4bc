import { memo } from 'react';

import {
  type Branch,
  branchKey,
  branchName,
  CHOICE,
  changeKind,
  END_KINDS,
  isPanelField,
  KINDS,
  newOptionId,
  openBranch,
  parseBranchKey,
  problemField,
  type GraphNode,
  type NodeKind,
  type Problem,
  type Variable,
} from '../model';
import { RuleField, TryRules } from './RuleField';

const NO_VARIABLES: readonly Variable[] = [];

export interface NodeChoice {
  id: string;
  title: string;
}

interface Props {
  node: GraphNode;
  isStart: boolean;
  targets: readonly NodeChoice[];
  problems: readonly Problem[];
  linkTargets: readonly { id: string; title: string }[] | undefined;
  onChange: (node: GraphNode) => void;
  onSetStart: () => void;
  onDelete: () => void;
  /** A new node of `kind`, reached from this one (a new option, rule or default). */
  onAddConnected: (kind: NodeKind) => void;
  onSelect: (id: string) => void;
  /** Logic nodes: the branch a new next step goes to (null: the first open one). */
  branch?: Branch | null;
  onBranch?: (branch: Branch | null) => void;
  /** The tree's variables (rules read them). */
  variables?: readonly Variable[];
}

function TargetSelect({
  id,
  label,
  value,
  targets,
  self,
  error,
  onChange,
  onFocus,
}: {
  id: string;
  label: string;
  value: string | null | undefined;
  targets: readonly NodeChoice[];
  self: string;
  error?: string | undefined;
  onChange: (value: string | null) => void;
  onFocus?: () => void;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value ?? ''}
        aria-invalid={error ? true : undefined}
        onFocus={onFocus}
        onChange={(e) => onChange(e.target.value || null)}
      >
        <option value="">— choose a node —</option>
        {targets
          .filter((t) => t.id !== self)
          .map((t) => (
            <option key={t.id} value={t.id}>
              {t.title || 'Untitled'} ({t.id})
            </option>
          ))}
      </select>
      {error && <p className="field-error">{error}</p>}
    </div>
  );
}

/** The form for the selected node; problems from publish next to their fields. */
export const NodePanel = memo(function NodePanel({
  node,
  isStart,
  targets,
  problems,
  linkTargets,
  onChange,
  onSetStart,
  onDelete,
  onAddConnected,
  onSelect,
  branch = null,
  onBranch,
  variables = NO_VARIABLES,
}: Props) {
  const byField = new Map<string, string>();
  const general: string[] = [];
  for (const p of problems) {
    const field = problemField(p);
    if (isPanelField(field) && !byField.has(field)) byField.set(field, p.message);
    else general.push(p.message);
  }
  const err = (field: string) => byField.get(field);
  const options = node.options ?? [];
  const rules = node.rules ?? [];
  const set = (change: Partial<GraphNode>) => onChange({ ...node, ...change });
  const target = branch && !(branch.kind === 'rule' && branch.index >= rules.length) ? branch : openBranch(node);
  const titleOf = (id: string) => targets.find((t) => t.id === id)?.title || id;
  const pid = `node-${node.id}`;

  return (
    <section className="panel-section node-panel" aria-label={`Node ${node.id}`}>
      {general.length > 0 && (
        <div className="form-errors" role="alert">
          {general.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      <p className="muted node-id">
        Node <code>{node.id}</code>
        {isStart ? (
          <span className="badge ok">start</span>
        ) : (
          <button type="button" className="button small" onClick={onSetStart}>
            Make it the start
          </button>
        )}
      </p>
      <div className="field">
        <label htmlFor={`${pid}-kind`}>Kind</label>
        <select
          id={`${pid}-kind`}
          value={node.kind}
          onChange={(e) => onChange(changeKind(node, e.target.value as NodeKind))}
        >
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${pid}-title`}>Title</label>
        <input
          id={`${pid}-title`}
          value={node.title ?? ''}
          aria-invalid={err('title') ? true : undefined}
          onChange={(e) => set({ title: e.target.value })}
        />
        {err('title') && <p className="field-error">{err('title')}</p>}
      </div>
      <div className="field">
        <label htmlFor={`${pid}-body`}>Body (Markdown)</label>
        <textarea
          id={`${pid}-body`}
          rows={4}
          value={node.body ?? ''}
          aria-invalid={err('body') ? true : undefined}
          onChange={(e) => set({ body: e.target.value })}
        />
        {err('body') && <p className="field-error">{err('body')}</p>}
      </div>
      {END_KINDS.has(node.kind) && (
        <div className="field">
          <label htmlFor={`${pid}-outcome-label`}>Outcome label (optional)</label>
          <input
            id={`${pid}-outcome-label`}
            value={node.outcome_label ?? ''}
            maxLength={80}
            placeholder={node.kind === 'solution' ? 'e.g. Replaced toner' : 'e.g. Sent to depot'}
            aria-invalid={err('outcome_label') ? true : undefined}
            aria-describedby={`${pid}-outcome-label-hint`}
            onChange={(e) => set({ outcome_label: e.target.value || null })}
          />
          <p className="field-hint" id={`${pid}-outcome-label-hint`}>
            Sessions that end here carry it; the history filters by it.
          </p>
          {err('outcome_label') && <p className="field-error">{err('outcome_label')}</p>}
        </div>
      )}

      {CHOICE.has(node.kind) && (
        <fieldset className="sub-list">
          <legend>Options</legend>
          {err('options') && <p className="field-error">{err('options')}</p>}
          {options.map((option, i) => (
            <div key={option.id} className="sub-item">
              <div className="field">
                <label htmlFor={`${pid}-o-${option.id}-label`}>Option {i + 1} label</label>
                <input
                  id={`${pid}-o-${option.id}-label`}
                  value={option.label ?? ''}
                  aria-invalid={err(`options[${i}].label`) ? true : undefined}
                  onChange={(e) =>
                    set({ options: options.map((o) => (o.id === option.id ? { ...o, label: e.target.value } : o)) })
                  }
                />
                {err(`options[${i}].label`) && <p className="field-error">{err(`options[${i}].label`)}</p>}
              </div>
              <TargetSelect
                id={`${pid}-o-${option.id}-next`}
                label={`Option ${i + 1} leads to`}
                value={option.next}
                targets={targets}
                self={node.id}
                error={err(`options[${i}].next`)}
                onChange={(next) => set({ options: options.map((o) => (o.id === option.id ? { ...o, next } : o)) })}
              />
              <div className="actions">
                {option.next && (
                  <button type="button" className="button small" onClick={() => option.next && onSelect(option.next)}>
                    Go to target
                  </button>
                )}
                <button
                  type="button"
                  className="button small"
                  aria-label={`Remove option ${i + 1}`}
                  onClick={() => set({ options: options.filter((o) => o.id !== option.id) })}
                >
                  Remove
                </button>
              </div>
            </div>
          ))}
          <div className="actions">
            <button
              type="button"
              className="button small"
              onClick={() =>
                set({
                  options: [...options, { id: newOptionId(node), label: `Option ${options.length + 1}`, next: null }],
                })
              }
            >
              Add option
            </button>
          </div>
        </fieldset>
      )}

      {node.kind === 'logic' && (
        <fieldset className="sub-list">
          <legend>Rules (first true rule wins)</legend>
          {err('rules') && <p className="field-error">{err('rules')}</p>}
          {rules.map((rule, i) => (
            <fieldset
              // biome-ignore lint/suspicious/noArrayIndexKey: rules have no id; their order is their identity
              key={i}
              className={`sub-item rule-item${target.kind === 'rule' && target.index === i ? ' branch-picked' : ''}`}
              onFocus={() => onBranch?.({ kind: 'rule', index: i })}
            >
              <legend className="visually-hidden">Rule {i + 1}</legend>
              <div className="field">
                <label htmlFor={`${pid}-r-${i}-label`}>Rule {i + 1} label (what technicians see)</label>
                <input
                  id={`${pid}-r-${i}-label`}
                  value={rule.label ?? ''}
                  maxLength={200}
                  placeholder="Customer is in the office"
                  aria-invalid={err(`rules[${i}].label`) ? true : undefined}
                  onChange={(e) =>
                    set({ rules: rules.map((r, j) => (j === i ? { ...r, label: e.target.value || null } : r)) })
                  }
                />
                {err(`rules[${i}].label`) && <p className="field-error">{err(`rules[${i}].label`)}</p>}
              </div>
              <RuleField
                id={`${pid}-r-${i}-when`}
                label={`Rule ${i + 1}: when`}
                value={rule.when}
                variables={variables}
                serverError={err(`rules[${i}].when`)}
                onChange={(when) => set({ rules: rules.map((r, j) => (j === i ? { ...r, when } : r)) })}
              />
              <TargetSelect
                id={`${pid}-r-${i}-next`}
                label={`Rule ${i + 1} leads to`}
                value={rule.next}
                targets={targets}
                self={node.id}
                error={err(`rules[${i}].next`)}
                onChange={(next) => set({ rules: rules.map((r, j) => (j === i ? { ...r, next } : r)) })}
              />
              <button
                type="button"
                className="button small"
                aria-label={`Remove rule ${i + 1}`}
                onClick={() => set({ rules: rules.filter((_, j) => j !== i) })}
              >
                Remove
              </button>
            </fieldset>
          ))}
          <button
            type="button"
            className="button small"
            onClick={() => set({ rules: [...rules, { when: '', next: null, label: null }] })}
          >
            Add rule
          </button>
          <TargetSelect
            id={`${pid}-default`}
            onFocus={() => onBranch?.({ kind: 'default' })}
            label="Otherwise (default) leads to"
            value={node.default}
            targets={targets}
            self={node.id}
            error={err('default')}
            onChange={(next) => set({ default: next })}
          />
          <TryRules node={node} variables={variables} titleOf={titleOf} />
        </fieldset>
      )}

      {node.kind === 'link' && (
        <div className="field">
          <label htmlFor={`${pid}-tree`}>Continue in the published tree</label>
          <select
            id={`${pid}-tree`}
            value={node.tree_id ?? ''}
            aria-invalid={err('tree_id') ? true : undefined}
            onChange={(e) => set({ tree_id: e.target.value || null })}
          >
            <option value="">— choose a tree —</option>
            {linkTargets?.map((t) => (
              <option key={t.id} value={t.id}>
                {t.title}
              </option>
            ))}
          </select>
          {err('tree_id') && <p className="field-error">{err('tree_id')}</p>}
        </div>
      )}

      {(CHOICE.has(node.kind) || node.kind === 'logic') && (
        <fieldset className="sub-list add-connected">
          <legend>Add a next step</legend>
          {node.kind === 'logic' && (
            <div className="field">
              <label htmlFor={`${pid}-branch`}>To the branch</label>
              <select
                id={`${pid}-branch`}
                value={branchKey(target)}
                onChange={(e) => onBranch?.(parseBranchKey(e.target.value))}
              >
                {rules.map((rule, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: rules have no id; their order is their identity
                  <option key={i} value={`rule-${i}`}>
                    {branchName(node, { kind: 'rule', index: i })}
                    {rule.next ? ` (now leads to ${titleOf(rule.next)})` : ''}
                  </option>
                ))}
                <option value="default">
                  Otherwise (default){node.default ? ` (now leads to ${titleOf(node.default)})` : ''}
                </option>
                <option value="new-rule">A new rule</option>
              </select>
            </div>
          )}
          <div className="actions">
            {KINDS.map((k) => (
              <button key={k.kind} type="button" className="button small" onClick={() => onAddConnected(k.kind)}>
                + {k.label}
              </button>
            ))}
          </div>
        </fieldset>
      )}

      <div className="actions">
        <button type="button" className="button small danger" onClick={onDelete}>
          Delete node
        </button>
      </div>
    </section>
  );
});
