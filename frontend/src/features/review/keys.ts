// The queue's keyboard: j/k move, f/l label fraud/legitimate, n writes a note. Pure, so it is tested alone.

export type KeyAction = "next" | "previous" | "fraud" | "legit" | "note";

const ACTIONS: Record<string, KeyAction> = { j: "next", k: "previous", f: "fraud", l: "legit", n: "note" };

/** The action a key press asks for, or null: never while typing in a field, nor with a modifier held
 * (Ctrl+F must still find in the page). */
export function keyAction(event: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "target">): KeyAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const target = event.target as HTMLElement | null;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return null;
  return ACTIONS[event.key] ?? null;
}

/** The index after moving by `step` within `count` items, held at the ends. */
export function moved(index: number, step: number, count: number): number {
  if (count === 0) return 0;
  return Math.min(Math.max(index + step, 0), count - 1);
}
