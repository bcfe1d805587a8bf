/** A span of time in words a reader scans: `45 s`, `3 min`, `2 h 05 min`, `3 d 4 h`. Pure. */
export function formatSpan(ms: number): string {
  if (!Number.isFinite(ms)) return "unknown";
  const sign = ms < 0 ? "-" : "";
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${sign}${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${sign}${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${sign}${h} h ${String(min % 60).padStart(2, "0")} min`;
  return `${sign}${Math.floor(h / 24)} d ${h % 24} h`;
}

/** Milliseconds from `from` to `to` (both RFC 3339); NaN when either does not parse. */
export function between(from: string, to: string): number {
  return Date.parse(to) - Date.parse(from);
}
