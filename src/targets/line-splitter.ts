/**
 * Text arriving in arbitrary pieces, handed on as whole lines: what a handler prints
 * reaches the main thread in write()-sized chunks and becomes one log line per line.
 */
export class LineSplitter {
  private partial = '';

  constructor(private readonly emit: (line: string) => void) {}

  push(text: string): void {
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.emit(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  /** Emit what is left of an unfinished last line. */
  flush(): void {
    if (this.partial !== '') this.emit(this.partial);
    this.partial = '';
  }
}
