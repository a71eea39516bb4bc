import type { Counted, NodeInsight, SessionTotals, TrendPoint } from '../../client';

export type { NodeInsight, TrendPoint };

export interface SessionTotalsLike {
  totals: SessionTotals;
  outcomes: Counted[];
}
