/**
 * Watch a folder and its sub-folders for changed files, leaving out `node_modules` and
 * hidden folders (`.git`, `.sluice`...), and following folders created later.
 *
 * (chosen) One non-recursive fs.watch per folder, not `fs.watch(root, { recursive: true })`:
 * on Linux, Node 20 implements the recursive option by adding an inotify watch for every
 * file and folder below the root, node_modules included (measured: 903 watches for 300
 * small packages), so a handler at the root of a project with a real node_modules runs into
 * the system's inotify limit (ENOSPC) or takes seconds to start. Per folder, and without the
 * ignored ones, a project costs a handful. chokidar would do the same but is not a
 * dependency.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface TreeWatcherOptions {
  /** Called with the absolute path of each file (or folder) created, changed, renamed or removed. */
  onChange(file: string): void;
  /** A folder could not be watched (e.g. ENOSPC: the inotify limit), or its watch failed. */
  onError(folder: string, error: Error): void;
}

/** Folders never watched: installed packages, and hidden folders (VCS data, Sluice's own state). */
export function isIgnoredFolder(name: string): boolean {
  return name === 'node_modules' || name.startsWith('.');
}

export interface TreeWatcher {
  /** Folders watched right now. */
  readonly folders: readonly string[];
  close(): void;
}

export function watchTree(root: string, options: TreeWatcherOptions): TreeWatcher {
  const watchers = new Map<string, fs.FSWatcher>();
  let closed = false;

  const unwatch = (folder: string): void => {
    for (const [watched, watcher] of watchers) {
      if (watched === folder || watched.startsWith(folder + path.sep)) {
        watcher.close();
        watchers.delete(watched);
      }
    }
  };

  /** `isNew`: a folder created while watching; files put in it before its watch began are reported. */
  const watch = (folder: string, isNew = false): void => {
    if (closed || watchers.has(folder)) return;
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(folder, { persistent: false }, (_event, name) => {
        // Linux always gives the name; without one there is nothing to say what changed.
        if (name === null) return;
        const changed = path.join(folder, name.toString());
        if (isIgnoredFolder(path.basename(changed))) return;
        followFolder(changed);
        options.onChange(changed);
      });
    } catch (error) {
      // Gone before it was watched (created and removed at once) is not a problem.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.onError(folder, error as Error);
      return;
    }
    watcher.on('error', (error) => {
      unwatch(folder);
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') options.onError(folder, error);
    });
    watchers.set(folder, watcher);
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch {
      // Removed meanwhile: its watch ends with an error or stays idle.
    }
    for (const entry of entries) {
      const child = path.join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!isIgnoredFolder(entry.name)) watch(child, isNew);
      } else if (isNew) options.onChange(child);
    }
  };

  /** A new folder is watched (with what was already put in it); a removed one is forgotten. */
  const followFolder = (changed: string): void => {
    let isFolder = false;
    try {
      isFolder = fs.statSync(changed).isDirectory();
    } catch {
      unwatch(changed);
      return;
    }
    if (isFolder) watch(changed, true);
  };

  watch(root);
  return {
    get folders() {
      return [...watchers.keys()];
    },
    close() {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
