// Reads fields of the loosely typed records the server sends (a model card's metrics, a stream run's settings),
// treating anything of the wrong type as absent.

export function numberField(record: Record<string, unknown>, key: string): number | undefined {
  const value = record[key];
  return typeof value === "number" ? value : undefined;
}
