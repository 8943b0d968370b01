import { describe, expect, it } from "vitest";
import { keyAction, moved } from "./keys";

const press = (key: string, target: Partial<HTMLElement> = { tagName: "BODY", isContentEditable: false }, mods: Partial<KeyboardEvent> = {}) =>
  keyAction({ key, ctrlKey: false, metaKey: false, altKey: false, target: target as EventTarget, ...mods });

describe("the queue's keyboard", () => {
  it("maps j/k/f/l/n to move, label and note", () => {
    expect(["j", "k", "f", "l", "n", "x"].map((k) => press(k))).toEqual(["next", "previous", "fraud", "legit", "note", null]);
  });
  it("never acts while the user types in a field or holds a modifier", () => {
    for (const tagName of ["INPUT", "TEXTAREA", "SELECT"]) expect(press("f", { tagName, isContentEditable: false })).toBeNull();
    expect(press("f", { tagName: "DIV", isContentEditable: true })).toBeNull();
    expect(press("f", undefined, { ctrlKey: true })).toBeNull();
    expect(press("j", undefined, { metaKey: true })).toBeNull();
  });
  it("moves within the list, held at both ends", () => {
    expect(moved(0, -1, 5)).toBe(0);
    expect(moved(3, 1, 5)).toBe(4);
    expect(moved(4, 1, 5)).toBe(4);
    expect(moved(2, 1, 0)).toBe(0);
  });
});
