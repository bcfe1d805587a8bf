/**
 * The transitions a recorder knows its store holds, so re-recording a fact (every pass re-derives the facts it
 * sees) costs no round trip. Bounded: past `limit` the oldest are forgotten, and asking the store again is only
 * slower, never wrong, because the store itself refuses a second entry of a transition.
 */
export class HeldTransitions {
  private readonly held = new Set<string>();

  constructor(private readonly limit = 100_000) {}

  has(transition: string): boolean {
    return this.held.has(transition);
  }

  add(transition: string): void {
    if (this.held.has(transition)) return;
    this.held.add(transition);
    if (this.held.size <= this.limit) return;
    const oldest = this.held.values().next();
    if (oldest.done !== true) this.held.delete(oldest.value);
  }
}
