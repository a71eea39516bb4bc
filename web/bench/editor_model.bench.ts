// `npm run bench:model`: how long the editor's pure model takes on a 1,000-node tree (a binary
// tree of questions ending in solutions), in node, without a browser. It reports times and
// never fails on them: machines differ. The page as a whole is `npm run bench:editor`.

import { bench, describe } from 'vitest';

import { initialPositions, layoutPositions } from '../src/features/editor/layout';
import {
  blankNode,
  fromGraph,
  syncFlowNodes,
  toFlowEdges,
  toGraph,
  type EditorDoc,
} from '../src/features/editor/model';

const SIZE = 1000;

function binaryTree(size: number): EditorDoc {
  const nodes = Array.from({ length: size }, (_, i) => {
    const kids = [2 * i + 1, 2 * i + 2].filter((k) => k < size);
    return kids.length
      ? { ...blankNode(`n${i}`, 'question'), options: kids.map((k, j) => ({ id: `o${j}`, label: 'x', next: `n${k}` })) }
      : blankNode(`n${i}`, 'solution');
  });
  return { start: 'n0', variables: [], nodes };
}

const doc = binaryTree(SIZE);
const positions = layoutPositions(doc);
const saved = toGraph(doc, positions);

describe(`editor model, ${SIZE} nodes`, () => {
  bench('dagre layout (layoutPositions)', () => {
    layoutPositions(doc);
  });

  bench('open a saved tree (fromGraph, initialPositions, syncFlowNodes, toFlowEdges)', () => {
    const opened = fromGraph(saved);
    const laid = initialPositions(opened.doc, opened.positions);
    syncFlowNodes(opened.doc, [], laid.positions, new Map());
    toFlowEdges(opened.doc);
  });

  bench('save (toGraph)', () => {
    toGraph(doc, positions);
  });
});
