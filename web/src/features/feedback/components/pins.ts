// Open feedback per node, for the editor's canvas: the node cards read it to show a pin.

import { createContext, useContext } from 'react';

export const FeedbackPins = createContext<ReadonlyMap<string, number>>(new Map());

/** How much open feedback the node has (0: none). */
export function useFeedbackPin(nodeId: string): number {
  return useContext(FeedbackPins).get(nodeId) ?? 0;
}
