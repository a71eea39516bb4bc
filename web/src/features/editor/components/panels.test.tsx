import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';

import type { GraphNode, Problem, Variable } from '../model';
import { NodePanel, type NodeChoice } from './NodePanel';
import { VariablesEditor } from './VariablesEditor';

const TARGETS: NodeChoice[] = [
  { id: 'n1', title: 'Power?' },
  { id: 'n2', title: 'Fixed' },
  { id: 'n3', title: 'Call tier 2' },
];

/** The panel with its node kept in state, as the editor does; `changes` sees every update. */
function EditNode({
  initial,
  problems = [],
  changes,
}: {
  initial: GraphNode;
  problems?: Problem[];
  changes: GraphNode[];
}) {
  const [node, setNode] = useState(initial);
  return (
    <NodePanel
      node={node}
      isStart={false}
      targets={TARGETS}
      problems={problems}
      linkTargets={[]}
      onChange={(next) => {
        changes.push(next);
        setNode(next);
      }}
      onSetStart={() => undefined}
      onDelete={() => undefined}
      onAddConnected={() => undefined}
      onSelect={() => undefined}
    />
  );
}

const question: GraphNode = {
  id: 'n1',
  kind: 'question',
  title: 'Power?',
  options: [{ id: 'o1', label: 'Yes', next: 'n2' }],
};

describe('node panel', () => {
  it('edits the title, the body and the options with where they lead', async () => {
    const user = userEvent.setup();
    const changes: GraphNode[] = [];
    render(<EditNode initial={question} changes={changes} />);
    const panel = screen.getByRole('region', { name: 'Node n1' });

    await user.clear(within(panel).getByLabelText('Title'));
    await user.type(within(panel).getByLabelText('Title'), 'Does the pump get power?');
    await user.type(within(panel).getByLabelText('Body (Markdown)'), 'Check the **fuse**.');
    await user.click(within(panel).getByRole('button', { name: 'Add option' }));
    await user.type(within(panel).getByLabelText('Option 2 label'), ' (no)');
    await user.selectOptions(within(panel).getByLabelText('Option 2 leads to'), 'n3');

    expect(changes.at(-1)).toEqual({
      ...question,
      title: 'Does the pump get power?',
      body: 'Check the **fuse**.',
      options: [
        { id: 'o1', label: 'Yes', next: 'n2' },
        { id: 'o2', label: 'Option 2 (no)', next: 'n3' },
      ],
    });
    // A node never leads to itself.
    const choices = within(within(panel).getByLabelText('Option 1 leads to')).getAllByRole('option');
    expect(choices.map((o) => o.textContent)).toEqual(['— choose a node —', 'Fixed (n2)', 'Call tier 2 (n3)']);

    await user.click(within(panel).getByRole('button', { name: 'Remove option 1' }));
    expect(changes.at(-1)?.options?.map((o) => o.id)).toEqual(['o2']);
  });

  it('shows each problem next to its field, the others on top', () => {
    const problems: Problem[] = [
      { node_id: 'n1', field: 'nodes[0].options[0].next', code: 'dangling', message: 'Choose the node this leads to.' },
      { node_id: 'n1', field: 'nodes[0]', code: 'unreachable', message: 'No path reaches this node.' },
    ];
    render(<EditNode initial={question} problems={problems} changes={[]} />);
    expect(screen.getByRole('alert')).toHaveTextContent('No path reaches this node.');
    expect(screen.getByLabelText('Option 1 leads to')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('Choose the node this leads to.')).toBeInTheDocument();
  });

  it('offers a next step of each kind, and deleting the node', async () => {
    const user = userEvent.setup();
    const onAddConnected = vi.fn();
    const onDelete = vi.fn();
    render(
      <NodePanel
        node={question}
        isStart
        targets={TARGETS}
        problems={[]}
        linkTargets={[]}
        onChange={() => undefined}
        onSetStart={() => undefined}
        onDelete={onDelete}
        onAddConnected={onAddConnected}
        onSelect={() => undefined}
      />,
    );
    expect(screen.getByText('start')).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: '+ Solution' }));
    await user.click(screen.getByRole('button', { name: 'Delete node' }));
    expect(onAddConnected).toHaveBeenCalledWith('solution');
    expect(onDelete).toHaveBeenCalledTimes(1);
  });
});

function EditVariables({ changes, problems = [] }: { changes: Variable[][]; problems?: Problem[] }) {
  const [variables, setVariables] = useState<Variable[]>([]);
  return (
    <VariablesEditor
      variables={variables}
      problems={problems}
      onChange={(next) => {
        changes.push(next);
        setVariables(next);
      }}
    />
  );
}

describe('variables editor', () => {
  it('adds a variable and edits its name, label, type, choices and when it is needed', async () => {
    const user = userEvent.setup();
    const changes: Variable[][] = [];
    render(<EditVariables changes={changes} />);

    await user.click(screen.getByRole('button', { name: 'Add variable' }));
    const name = screen.getByLabelText('Name');
    await user.clear(name);
    await user.type(name, 'pump model'); // not a valid name: the space becomes _
    await user.clear(screen.getByLabelText('Label'));
    await user.type(screen.getByLabelText('Label'), 'Pump model');
    await user.selectOptions(screen.getByLabelText('Type'), 'choice');
    await user.type(screen.getByLabelText('Choices (comma separated)'), 'P-100,P-200');
    await user.selectOptions(screen.getByLabelText('Required'), 'at_start');

    expect(screen.getByRole('group', { name: 'Pump model' })).toBeInTheDocument();
    expect(changes.at(-1)).toEqual([
      { name: 'pump_model', label: 'Pump model', type: 'choice', choices: ['P-100', 'P-200'], required: 'at_start' },
    ]);

    await user.click(screen.getByRole('button', { name: 'Remove variable' }));
    expect(changes.at(-1)).toEqual([]);
  });

  it('marks the name a problem is about', async () => {
    const user = userEvent.setup();
    const problems: Problem[] = [
      { node_id: null, field: 'variables[0].name', code: 'duplicate', message: 'Names must differ.' },
    ];
    render(<EditVariables changes={[]} problems={problems} />);
    await user.click(screen.getByRole('button', { name: 'Add variable' }));
    expect(screen.getByLabelText('Name')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByText('Names must differ.')).toBeInTheDocument();
  });
});
