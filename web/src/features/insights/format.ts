// How figures read on the analytics pages. Pure.

/** Seconds as "45 s", "3 min", "1 h 20 min"; none: "–". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '–';
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 48) return rest ? `${hours} h ${rest} min` : `${hours} h`;
  return `${Math.round(hours / 24)} d`;
}

/** A rate (0..1) as a percentage with at most one decimal: "33.3 %". */
export function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10} %`;
}
