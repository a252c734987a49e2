/**
 * Progress of a run on a terminal while requests are out: one line rewritten in place on a TTY, otherwise a line at
 * each quarter of the plan, so a CI log shows the run is alive without a line per request.
 */
export interface RunProgress {
  planned: number;
  done: number;
}

export interface ProgressWriter {
  update(progress: RunProgress): void;
  /** Clears the live line (TTY) before the report is printed. */
  end(): void;
}

export function progressWriter(stream: NodeJS.WriteStream): ProgressWriter {
  const line = ({ planned, done }: RunProgress) => `  … ${done}/${planned} requests answered`;
  if (stream.isTTY) {
    let last = 0;
    let shown = false;
    return {
      update(progress) {
        const now = Date.now();
        if (now - last < 100 && progress.done < progress.planned) return;
        last = now;
        shown = true;
        stream.write(`\r${line(progress)}\u001b[K`);
      },
      end() {
        if (shown) stream.write('\r\u001b[K');
      },
    };
  }
  let quarter = 0;
  return {
    update(progress) {
      const reached = Math.floor((progress.done * 4) / Math.max(1, progress.planned));
      if (reached <= quarter || progress.done === 0) return;
      quarter = reached;
      stream.write(`${line(progress)}\n`);
    },
    end() {},
  };
}
