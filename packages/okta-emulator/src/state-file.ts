// Keeps the org in a JSON file: loaded at start, written back debounced after changes and on close.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Org } from './types';

const DEBOUNCE_MS = 200;

export class StateFile {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => Org,
  ) {}

  /** The org saved in the file, or undefined when there is none yet. */
  load(): unknown {
    if (!existsSync(this.path)) return undefined;
    return JSON.parse(readFileSync(this.path, 'utf8')) as unknown;
  }

  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, DEBOUNCE_MS);
    this.timer.unref();
  }

  /** Writes now (on close and exit); atomic through a rename so a crash never leaves half a file. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.write();
  }

  private write(): void {
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.snapshot(), null, 2)}\n`);
    renameSync(tmp, this.path);
  }
}
