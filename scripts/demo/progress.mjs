// Live progress: on a terminal, one line rewritten in place (segments that do not fit the width
// are dropped, least important first); otherwise a plain line every few seconds.

export class Progress {
  constructor({ stream = process.stdout, printEveryMillis = 3_000, refreshMillis = 100 } = {}) {
    this.stream = stream;
    this.tty = Boolean(stream.isTTY) && process.env.TERM !== 'dumb';
    this.printEveryMillis = printEveryMillis;
    this.refreshMillis = refreshMillis;
    this.lastPrint = -Infinity;
    this.current = null; // the live line, when one is shown (TTY)
  }

  /**
   * Offers a new state: `segments` is a list of { text, alt?, priority } (lower number = more
   * important; `alt` is a shorter form for narrow terminals). Printed now on a TTY (throttled), or every `printEveryMillis` otherwise.
   */
  update(segments, { force = false } = {}) {
    const now = performance.now();
    const every = this.tty ? this.refreshMillis : this.printEveryMillis;
    if (!force && now - this.lastPrint < every) return;
    this.lastPrint = now;
    if (this.tty) {
      this.current = fit(segments, (this.stream.columns || 100) - 1);
      this.stream.write(`\r\x1b[2K${this.current}`);
    } else {
      this.stream.write(`${segments.map((s) => s.text).join(' | ')}\n`);
    }
  }

  /** Prints a whole line above the live line. */
  log(line) {
    if (this.tty && this.current !== null) {
      this.stream.write(`\r\x1b[2K${line}\n${this.current}`);
    } else {
      this.stream.write(`${line}\n`);
    }
  }

  /** Leaves the live line on screen and moves on. */
  done() {
    if (this.tty && this.current !== null) this.stream.write('\n');
    this.current = null;
    this.lastPrint = -Infinity;
  }
}

/**
 * The longest line that fits `width`: keeps the k most important segments for the largest k
 * that fits, in full or else in their short forms; truncates only if even one does not fit.
 */
function fit(segments, width) {
  const byImportance = [...segments].sort((a, b) => a.priority - b.priority);
  const render = (kept, short) =>
    segments
      .filter((s) => kept.includes(s))
      .map((s) => (short && s.alt ? s.alt : s.text))
      .join(' │ ');
  for (let k = byImportance.length; k >= 1; k--) {
    const kept = byImportance.slice(0, k);
    for (const short of [false, true]) {
      const line = render(kept, short);
      if (line.length <= width) return line;
    }
  }
  const line = render(byImportance.slice(0, 1), true);
  return `${line.slice(0, Math.max(0, width - 1))}…`;
}
