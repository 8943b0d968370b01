import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from "react";
import { fmtInt } from "../../shared/format";
import { Icon, Skeleton } from "../../shared/ui";
import { BandsAdmin } from "./BandsAdmin";
import { CapacityBox } from "./CapacityBox";
import { ItemDetail } from "./ItemDetail";
import { keyAction, moved } from "./keys";
import { QueueList } from "./QueueList";
import { QUEUE_PAGE, useCapacity, useLabel, useQueue, type QueueQuery } from "./reviewApi";
import { CAPACITY_KEY, storedCapacity } from "./reviewData";
import "./review.css";

const DEFAULT_CAPACITY = 100;

interface Filters {
  band: "" | "review" | "decline";
  source: "" | "batch" | "live";
  labeled: "" | "true" | "false";
  order: "newest" | "score";
  model: string;
  min: string;
  max: string;
  q: string;
}

const START: Filters = { band: "", source: "", labeled: "false", order: "score", model: "", min: "", max: "", q: "" };

/** The filters as the API's query; a number field that does not parse is left out rather than sent. */
export function queryOf(f: Filters, offset: number): QueueQuery {
  const number = (text: string) => (text.trim() === "" || !Number.isFinite(Number(text)) ? undefined : Number(text));
  return {
    band: f.band || undefined,
    source: f.source || undefined,
    labeled: f.labeled === "" ? undefined : f.labeled === "true",
    order: f.order,
    model_version: f.model || undefined,
    amount_min: number(f.min),
    amount_max: number(f.max),
    q: f.q.trim() || undefined,
    offset,
    limit: QUEUE_PAGE,
  };
}

export function ReviewPage() {
  const ids = { band: useId(), source: useId(), labeled: useId(), order: useId(), model: useId(), min: useId(), max: useId(), q: useId() };
  const [filters, setFilters] = useState<Filters>(START);
  const [offset, setOffset] = useState(0);
  const [capacity, setCapacityState] = useState(() => storedCapacity(globalThis.localStorage, DEFAULT_CAPACITY));
  const setCapacity = (k: number) => {
    setCapacityState(k);
    try {
      localStorage.setItem(CAPACITY_KEY, String(k));
    } catch {
      // not kept: fine for this visit
    }
  };
  const query = useMemo(() => queryOf(filters, offset), [filters, offset]);
  const queue = useQueue(query);
  const capacityQuery = useCapacity(capacity);
  const label = useLabel();
  const items = useMemo(() => queue.data?.data ?? [], [queue.data]);
  const [selected, setSelected] = useState<string | null>(null);
  const [lastIndex, setLastIndex] = useState(0);
  const [note, setNote] = useState("");
  const noteRef = useRef<HTMLTextAreaElement>(null);

  // the current item: the selected one while it is listed, else the one now at its place (the queue advanced)
  const index = Math.max(
    items.findIndex((i) => i.key === selected),
    -1,
  );
  const currentIndex = index >= 0 ? index : Math.min(lastIndex, Math.max(items.length - 1, 0));
  const current = items[currentIndex] ?? null;

  const select = (i: number) => {
    const item = items[i];
    if (!item) return;
    setSelected(item.key);
    setLastIndex(i);
    setNote("");
    document.querySelector(`[data-key="${CSS.escape(item.key)}"]`)?.scrollIntoView({ block: "nearest" });
  };

  const labelCurrent = (value: 0 | 1) => {
    if (!current || label.isPending) return;
    const at = currentIndex;
    label.mutate(
      { item: current, label: value, note },
      {
        onSuccess: () => {
          setNote("");
          // advance: the next item, or (when labeled items leave the list) the one that takes this place
          const next = items[at + 1];
          if (filters.labeled === "false") {
            setSelected(next?.key ?? null);
            setLastIndex(at);
          } else if (next) {
            setSelected(next.key);
            setLastIndex(at + 1);
          }
        },
      },
    );
  };

  // The key handler reads this render's state. A layout effect, not a passive one: it runs before the
  // browser handles another event, so a key pressed just after the page redraws acts on what it shows,
  // never on the render before (which may still have the previous label saving, and drop the key).
  const handlers = useRef({ select, labelCurrent, currentIndex, count: items.length });
  useLayoutEffect(() => {
    handlers.current = { select, labelCurrent, currentIndex, count: items.length };
  });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const action = keyAction(event);
      if (!action) return;
      const h = handlers.current;
      event.preventDefault();
      if (action === "next") h.select(moved(h.currentIndex, 1, h.count));
      else if (action === "previous") h.select(moved(h.currentIndex, -1, h.count));
      else if (action === "fraud") h.labelCurrent(1);
      else if (action === "legit") h.labelCurrent(0);
      else noteRef.current?.focus();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const change = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    setOffset(0);
    setSelected(null);
    setLastIndex(0);
  };
  const count = queue.data?.count ?? 0;

  return (
    <div className="page review-page">
      <header className="page-header">
        <div>
          <h1 tabIndex={-1}>Review queue</h1>
          <p className="lede">
            Every decision in the review and decline bands, from uploaded batches and live traffic. Label each one fraud or legitimate: labels become
            training rows.
          </p>
        </div>
        <div className="page-actions">
          <a className="btn btn-secondary" href="#/score">
            <Icon name="play" /> Score one transaction
          </a>
        </div>
      </header>

      <CapacityBox data={capacityQuery.data} loading={capacityQuery.isPending} capacity={capacity} onCapacity={setCapacity} />

      <form className="card queue-filters" aria-label="Queue filters" onSubmit={(e) => e.preventDefault()}>
        <div className="filter">
          <label htmlFor={ids.labeled}>Show</label>
          <select id={ids.labeled} value={filters.labeled} onChange={(e) => change({ labeled: e.target.value as Filters["labeled"] })}>
            <option value="false">To review (unlabeled)</option>
            <option value="true">Labeled</option>
            <option value="">All</option>
          </select>
        </div>
        <div className="filter">
          <label htmlFor={ids.order}>Order</label>
          <select id={ids.order} value={filters.order} onChange={(e) => change({ order: e.target.value as Filters["order"] })}>
            <option value="score">Highest score first</option>
            <option value="newest">Newest first</option>
          </select>
        </div>
        <div className="filter">
          <label htmlFor={ids.band}>Band</label>
          <select id={ids.band} value={filters.band} onChange={(e) => change({ band: e.target.value as Filters["band"] })}>
            <option value="">Review and decline</option>
            <option value="review">Review</option>
            <option value="decline">Decline</option>
          </select>
        </div>
        <div className="filter">
          <label htmlFor={ids.source}>Source</label>
          <select id={ids.source} value={filters.source} onChange={(e) => change({ source: e.target.value as Filters["source"] })}>
            <option value="">Batches and live</option>
            <option value="batch">Batches</option>
            <option value="live">Live</option>
          </select>
        </div>
        <div className="filter">
          <label htmlFor={ids.model}>Model</label>
          <select id={ids.model} value={filters.model} onChange={(e) => change({ model: e.target.value })}>
            <option value="">Any</option>
            {(queue.data?.model_versions ?? []).map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        </div>
        <div className="filter filter-amount">
          <label htmlFor={ids.min}>Amount from</label>
          <input id={ids.min} inputMode="decimal" value={filters.min} onChange={(e) => change({ min: e.target.value })} />
        </div>
        <div className="filter filter-amount">
          <label htmlFor={ids.max}>to</label>
          <input id={ids.max} inputMode="decimal" value={filters.max} onChange={(e) => change({ max: e.target.value })} />
        </div>
        <div className="filter filter-search">
          <label htmlFor={ids.q}>Transaction id</label>
          <input id={ids.q} type="search" maxLength={200} value={filters.q} onChange={(e) => change({ q: e.target.value })} placeholder="starts with…" />
        </div>
      </form>

      {queue.error ? (
        <p className="error-text" role="alert">
          Could not load the queue: {queue.error.message}
        </p>
      ) : null}
      <div className="queue-layout">
        <section className="card queue-column" aria-labelledby="queue-title">
          <header className="queue-head">
            <h2 id="queue-title" className="card-title">
              Queue
            </h2>
            <span className="muted small" aria-live="polite" data-testid="queue-count">
              {queue.data ? `${fmtInt(count)} ${count === 1 ? "item" : "items"}` : "…"}
            </span>
          </header>
          {queue.isPending ? <Skeleton height={240} /> : <QueueList items={items} selected={current?.key ?? null} onSelect={(key) => select(items.findIndex((i) => i.key === key))} />}
          {count > QUEUE_PAGE ? (
            <nav className="pager" aria-label="Pages of the queue">
              <button type="button" className="btn btn-ghost" disabled={offset === 0} onClick={() => setOffset(Math.max(offset - QUEUE_PAGE, 0))}>
                <Icon name="arrowLeft" /> Previous
              </button>
              <span className="muted small">
                {fmtInt(offset + 1)}–{fmtInt(Math.min(offset + QUEUE_PAGE, count))}
              </span>
              <button type="button" className="btn btn-ghost" disabled={offset + QUEUE_PAGE >= count} onClick={() => setOffset(offset + QUEUE_PAGE)}>
                Next <Icon name="arrowRight" />
              </button>
            </nav>
          ) : null}
        </section>
        <section className="card detail-column" aria-label="Selected item" aria-busy={label.isPending}>
          {current ? (
            <ItemDetail
              key={current.key}
              item={current}
              note={note}
              onNote={setNote}
              noteRef={noteRef}
              onLabel={labelCurrent}
              busy={label.isPending}
              error={label.error?.message}
            />
          ) : (
            <p className="muted">{queue.isPending ? "Loading…" : "Nothing to show: the queue is empty for these filters."}</p>
          )}
        </section>
      </div>

      <BandsAdmin capacity={capacity} />
    </div>
  );
}
