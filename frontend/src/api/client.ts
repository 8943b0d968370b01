// The one typed API client: paths and shapes come from the generated schema (`make client`).
import createClient from "openapi-fetch";
import type { components, paths } from "../client/schema";

type Schemas = components["schemas"];
export type Batch = Schemas["BatchPublic"];
export type BatchUpload = Schemas["BatchUploadOut"];
export type Metrics = Schemas["MetricsOut"];
export type Confusion = Schemas["Confusion"];
export type Curves = Schemas["BatchCurvesOut"];
export type CurvePoint = Schemas["CurvePoint"];
export type HistogramBin = Schemas["HistogramBin"];
export type PredictionRow = Schemas["PredictionRow"];
export type DemoFile = Schemas["DemoFileOut"];
export type ModelVersion = Schemas["ModelVersionOut"];
export type Health = Schemas["HealthOut"];
export type Rejected = Schemas["RejectedOut"];
export type Problem = Schemas["ProblemOut"];
export type StreamRun = Schemas["StreamRunOut"];
export type StreamSummary = Schemas["StreamSummary"];
export type LatencyHistogram = Schemas["Histogram"];
export type StreamMetrics = Schemas["StreamMetrics"];
export type BatchDrift = Schemas["BatchDriftOut"];
export type LogDrift = Schemas["LogDriftOut"];
export type DriftReport = Schemas["DriftReport"];
export type FeatureDrift = Schemas["FeatureDrift"];
export type DriftStatus = FeatureDrift["status"];

type PredictionsQuery = NonNullable<paths["/api/batches/{batch_id}/predictions"]["get"]["parameters"]["query"]>;
export type PredictionFilter = NonNullable<PredictionsQuery["filter"]>;
export type PredictionSort = "row" | "probability";

export const api = createClient<paths>({ baseUrl: "" });

export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** A readable message from an error body: FastAPI's `detail` (a string or a list of problems). */
export function detailOf(body: unknown, fallback: string): string {
  if (body && typeof body === "object" && "detail" in body) {
    const detail = (body as { detail: unknown }).detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      const messages = detail
        .map((d) => (d && typeof d === "object" && "msg" in d ? String((d as { msg: unknown }).msg) : ""))
        .filter(Boolean);
      if (messages.length) return messages.join("; ");
    }
  }
  return fallback;
}

/** The data of a 2xx answer, or an ApiError carrying the server's explanation. */
export async function must<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await request;
  if (!response.ok || data === undefined) {
    throw new ApiError(response.status, detailOf(error, `the server answered ${response.status} ${response.statusText}`));
  }
  return data;
}

// Checked against the schema: renaming the route on the server breaks the build here.
const CSV_ROUTE: keyof paths = "/api/batches/{batch_id}/predictions.csv";

export function predictionsCsvUrl(batchId: number, filter: PredictionFilter): string {
  const path = CSV_ROUTE.replace("{batch_id}", String(batchId));
  return filter === "all" ? path : `${path}?filter=${filter}`;
}

export const UPLOAD_ROUTE: keyof paths = "/api/batches";
