import { useRef, useState, type DragEvent } from "react";
import { Icon } from "../../shared/ui";

export function Dropzone({ onFile, disabled }: { onFile: (file: File) => void; disabled: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    const file = event.dataTransfer.files[0];
    if (file && !disabled) onFile(file);
  };
  return (
    <div
      className={`dropzone ${dragging ? "is-dragging" : ""} ${disabled ? "is-disabled" : ""}`}
      onDragOver={(event) => {
        event.preventDefault();
        if (!disabled) setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
      data-testid="dropzone"
    >
      <span className="dropzone-icon">
        <Icon name="upload" size={26} />
      </span>
      <p className="dropzone-title">Drop a CSV file here</p>
      <p className="dropzone-or">or</p>
      <button type="button" className="btn btn-primary" disabled={disabled} onClick={() => input.current?.click()}>
        <Icon name="file" /> Choose a file
      </button>
      <input
        ref={input}
        type="file"
        accept=".csv,text/csv"
        hidden
        data-testid="file-input"
        onChange={(event) => {
          const file = event.target.files?.[0];
          event.target.value = ""; // choosing the same file again still fires
          if (file) onFile(file);
        }}
      />
      <p className="dropzone-hint">
        The Kaggle <code>creditcard.csv</code> layout: <code>Time, V1…V28, Amount</code>, with an optional <code>Class</code> column
        (labels, for metrics) and <code>id</code>.
      </p>
    </div>
  );
}
