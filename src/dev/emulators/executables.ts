/** Finding the programs the emulators need (redis-server, java) before trying to run them. */
import fs from 'node:fs';
import path from 'node:path';

/** The absolute path of `name` on the PATH, or undefined. A name with a slash is checked as is. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = name.includes(path.sep) ? [name] : (env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, name));
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

/** The java binary: $JAVA, else $JAVA_HOME/bin/java, else `java` on the PATH. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JAVA) return env.JAVA;
  if (env.JAVA_HOME) return path.join(env.JAVA_HOME, 'bin', 'java');
  return 'java';
}

/** The redis-server binary: $REDIS_SERVER, else `redis-server` on the PATH. */
export function redisServerCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.REDIS_SERVER ?? 'redis-server';
}
