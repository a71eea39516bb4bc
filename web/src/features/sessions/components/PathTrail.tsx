// The runner's path: every earlier step a person chose at is a button back there; automatic
// steps (logic, link) are shown but not offered. A long path shows its last steps only, with
// "Show all", so a phone keeps the question in view.

import { useState } from 'react';

import type { SessionRead } from '../hooks';
import { collapsePath, isAutomatic } from '../path';
import { plainText } from '../text';

/** Steps a collapsed trail shows (the current one included). */
const KEEP = 3;

export function PathTrail({
  session,
  onBack,
  busy,
}: {
  session: SessionRead;
  onBack: (index: number) => void;
  busy: boolean;
}) {
  const [expanded, setExpanded] = useState(false);
  const steps = session.path;
  if (steps.length <= 1) return null;
  const last = steps.length - 1;
  const { shown, hidden } = collapsePath(steps, KEEP, expanded);
  return (
    <nav aria-label="Path" className="path-trail">
      <ol>
        {hidden > 0 && (
          <li>
            <button
              type="button"
              className="crumb more"
              aria-expanded={false}
              aria-label={`Show all ${steps.length} steps`}
              onClick={() => setExpanded(true)}
            >
              Show all ({hidden} earlier)
            </button>
          </li>
        )}
        {shown.map((step) => {
          const title = plainText(step.title) || step.node_id;
          return (
            <li key={`${step.index}-${step.node_id}`}>
              {step.index === last ? (
                <span aria-current="step">{title}</span>
              ) : isAutomatic(step) ? (
                <span
                  className="crumb-auto"
                  title={
                    step.answer_label ? `Passed automatically: ${plainText(step.answer_label)}` : 'Passed automatically'
                  }
                >
                  {title}
                </span>
              ) : (
                <button
                  type="button"
                  className="crumb"
                  aria-disabled={busy || undefined}
                  title={step.answer_label ? `Answered: ${plainText(step.answer_label)}` : undefined}
                  onClick={() => onBack(step.index)}
                >
                  {title}
                </button>
              )}
            </li>
          );
        })}
        {expanded && steps.length > KEEP + 1 && (
          <li>
            <button type="button" className="crumb more" aria-expanded onClick={() => setExpanded(false)}>
              Show fewer
            </button>
          </li>
        )}
      </ol>
    </nav>
  );
}
