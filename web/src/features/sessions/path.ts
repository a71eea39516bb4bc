// The runner's path trail, pure: which earlier step Back goes to, and which steps a phone shows.

/** A step of a session's path, as far as the trail needs it. */
export interface TrailStep {
  index: number;
  kind: string;
  /** Passed on its own (a logic node that branched, a link into another tree). */
  automatic?: boolean;
}

/** A step nobody chose at: logic and link nodes move on by themselves. */
export function isAutomatic(step: TrailStep): boolean {
  return step.automatic ?? (step.kind === 'logic' || step.kind === 'link');
}

/** The index Back returns to from the last step: the latest earlier step where a person chose
 * (automatic steps would only move forward again), or null when there is none. */
export function backTarget(path: readonly TrailStep[]): number | null {
  for (let i = path.length - 2; i >= 0; i--) {
    const step = path[i];
    if (step && !isAutomatic(step)) return step.index;
  }
  return null;
}

/** The steps the trail shows: all of them, or (collapsed) the last `keep`, and how many are
 * hidden before them. Collapsing never hides just one step: it would cost as much room as it
 * saves. */
export function collapsePath<T>(steps: readonly T[], keep: number, expanded: boolean): { shown: T[]; hidden: number } {
  if (expanded || steps.length <= keep + 1) return { shown: [...steps], hidden: 0 };
  return { shown: steps.slice(steps.length - keep), hidden: steps.length - keep };
}
