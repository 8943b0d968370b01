// The real stack for the browser tests: its own PostgreSQL database, a small synthetic data_splits folder,
// a real model trained on it, and `fraudops serve` on a free port serving the built page. Torn down after.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const FRONTEND = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = path.resolve(FRONTEND, "..");
const FRAUDOPS = process.env.FRAUDOPS_BIN ?? path.join(ROOT, ".venv", "bin", "fraudops");
const PG = {
  host: process.env.E2E_PGHOST ?? "127.0.0.1",
  port: process.env.E2E_PGPORT ?? "5432",
  user: process.env.E2E_PGUSER ?? "postgres",
};

async function step(name: string, file: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const started = Date.now();
  try {
    await run(file, args, { env, cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`e2e setup: ${name} failed: ${e.message}\n${e.stdout ?? ""}\n${e.stderr ?? ""}`, { cause: error });
  }
  console.log(`  e2e setup: ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForHealth(url: string, server: ChildProcess, log: string, seconds = 60): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) break;
    try {
      const response = await fetch(`${url}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`e2e setup: the server did not become healthy at ${url}\n${readFileSync(log, "utf8").slice(-4000)}`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  // E2E_DIST: a build elsewhere, so a run is not disturbed by another build of frontend/dist in the same tree
  const dist = process.env.E2E_DIST ?? path.join(FRONTEND, "dist");
  if (!existsSync(path.join(dist, "index.html"))) {
    throw new Error("e2e setup: frontend/dist is missing: build the page first (npm run build, or make test)");
  }
  if (!existsSync(FRAUDOPS)) throw new Error(`e2e setup: ${FRAUDOPS} not found: run make install first`);

  const tmp = mkdtempSync(path.join(tmpdir(), "fraudops-e2e-"));
  const database = `fraudops_e2e_${randomBytes(5).toString("hex")}`;
  const splits = path.join(tmp, "data_splits");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `postgresql://${PG.user}@${PG.host}:${PG.port}/${database}`,
    MODEL_DIR: path.join(tmp, "model"),
    VAR_DIR: path.join(tmp, "var"),
    DEMO_DIR: splits,
    FRONTEND_DIST: dist,
    ENVIRONMENT: "test",
    // Admin actions (scoring a stored batch with another version) are tried in compare.spec.ts.
    ADMIN_TOKEN: process.env.E2E_ADMIN_TOKEN ?? randomBytes(16).toString("hex"),
    TF_CPP_MIN_LOG_LEVEL: "2",
    CUDA_VISIBLE_DEVICES: "",
  };
  let server: ChildProcess | undefined;
  let created = false;

  const teardown = async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server?.once("exit", r));
      server.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (server.exitCode === null) server.kill("SIGKILL");
    }
    if (created) {
      await run("dropdb", ["-h", PG.host, "-p", PG.port, "-U", PG.user, "--if-exists", "--force", database]).catch((e: Error) =>
        console.warn(`e2e teardown: could not drop ${database}: ${e.message}`),
      );
    }
    if (!process.env.E2E_KEEP_TMP) rmSync(tmp, { recursive: true, force: true });
  };

  try {
    await step(`create database ${database}`, "createdb", ["-h", PG.host, "-p", PG.port, "-U", PG.user, database], env);
    created = true;
    await step("migrate", FRAUDOPS, ["migrate"], env);
    const synthetic = path.join(tmp, "synthetic.csv");
    await step("synthesise 40,000 rows", FRAUDOPS, ["synth", "--rows", "40000", "--seed", "5", "-o", synthetic], env);
    await step("split", FRAUDOPS, ["split", synthetic, "--initial-rows", "15000", "--out", splits], env);
    await step("train a model", FRAUDOPS, ["train", "--quick", "--csv", path.join(splits, "initial_train.csv")], env);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const log = path.join(tmp, "server.log");
    const out = openSync(log, "a");
    server = spawn(FRAUDOPS, ["serve", "--host", "127.0.0.1", "--port", String(port)], { env, cwd: ROOT, stdio: ["ignore", out, out] });
    await waitForHealth(url, server, log);
    console.log(`  e2e setup: serving ${url} (log ${log})`);

    process.env.E2E_BASE_URL = url;
    process.env.E2E_FRAUDOPS = FRAUDOPS;
    process.env.E2E_ROOT = ROOT;
    process.env.E2E_DATA_DIR = splits;
    process.env.E2E_TMP = tmp;
    process.env.E2E_ADMIN_TOKEN = env.ADMIN_TOKEN;
    process.env.E2E_DATABASE_URL = env.DATABASE_URL;
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
