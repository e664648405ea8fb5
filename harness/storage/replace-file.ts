// Durable whole-file replacement for compacted journals and stores: the new content is written aside, fsync'd,
// renamed over the old file, and the folder fsync'd, so a crash leaves either the old file or the new one.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function replaceFileDurably(file: string, text: string, tmpSuffix = '.tmp'): void {
  const tmp = file + tmpSuffix;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDirectory(path.dirname(file));
}

/** Makes a file's creation or rename in `dir` durable. */
export function fsyncDirectory(dir: string): void {
  try {
    const d = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(d);
    } finally {
      fs.closeSync(d);
    }
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic and the files' own fsyncs hold.
  }
}
