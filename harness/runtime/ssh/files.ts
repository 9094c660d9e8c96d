// Files on a machine over the connection's SFTP session: configs go up (folders made as needed), the
// run's folder is made exclusively (two runs never share one), and logs come back into the local
// run folder. Each call has a deadline naming the file and the machine.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileEntryWithStats, SFTPWrapper } from 'ssh2';
import { HarnessError } from '../../errors.ts';
import { bounded, type SshConnection } from './connection.ts';

const FILE_TIMEOUT_MS = 30_000;
/** SFTP status codes (draft-ietf-secsh-filexfer-02): 2 no such file, 4 failure (e.g. exists). */
const NO_SUCH_FILE = 2;

type SftpError = Error & { code?: number };

/** Promisifies one SFTP call with a deadline. */
function call<T>(conn: SshConnection, what: string, op: (sftp: SFTPWrapper, done: (err: SftpError | null | undefined, value?: T) => void) => void): Promise<T> {
  return conn.sftp().then((sftp) => bounded(`${what} on ${conn.label}`, FILE_TIMEOUT_MS, new Promise<T>((resolve, reject) => {
    op(sftp, (err, value) => (err ? reject(err) : resolve(value as T)));
  })));
}

const isDir = async (conn: SshConnection, dir: string): Promise<boolean> => {
  try {
    return (await call<{ isDirectory(): boolean }>(conn, `stat ${dir}`, (s, done) => s.stat(dir, done))).isDirectory();
  } catch (err) {
    if ((err as SftpError).code === NO_SUCH_FILE) return false;
    throw err;
  }
};

/** mkdir -p over SFTP; a folder another host made meanwhile (shared file systems) is fine. */
export async function makeFolders(conn: SshConnection, dir: string, mode = 0o755): Promise<void> {
  if (await isDir(conn, dir)) return;
  const parent = path.posix.dirname(dir);
  if (parent !== dir) await makeFolders(conn, parent, mode);
  try {
    await call<void>(conn, `mkdir ${dir}`, (s, done) => s.mkdir(dir, { mode }, done));
  } catch (err) {
    if (!(await isDir(conn, dir))) throw new HarnessError(`cannot make ${dir} on ${conn.label}: ${(err as Error).message}`);
  }
}

/** Makes `dir` and fails when it already exists (it would belong to someone else). */
export async function makeFolderExclusive(conn: SshConnection, dir: string, mode = 0o755): Promise<void> {
  try {
    await call<void>(conn, `mkdir ${dir}`, (s, done) => s.mkdir(dir, { mode }, done));
  } catch (err) {
    const why = (await isDir(conn, dir)) ? 'it already exists (another run owns it?)' : (err as Error).message;
    throw new HarnessError(`cannot make ${dir} on ${conn.label}: ${why}`);
  }
}

/** The folder beside a host's own folder that holds the harness's files for that host: the daemons'
 *  output logs, the fake clock's control file and helpers. It stays off the host's folder because a
 *  disk fault fills that one: logs and clock changes must still get through. */
export const harnessFolder = (hostDir: string): string => `${hostDir}.harness`;

export async function uploadFile(conn: SshConnection, file: string, data: string | Buffer, mode = 0o644): Promise<void> {
  await makeFolders(conn, path.posix.dirname(file));
  try {
    await call<void>(conn, `writing ${file}`, (s, done) => s.writeFile(file, data, { mode }, done));
  } catch (err) {
    throw new HarnessError(`cannot write ${file} on ${conn.label}: ${(err as Error).message}`);
  }
}

/** Copies a remote file to `local` (its folder made); false when the remote file does not exist. */
export async function downloadFile(conn: SshConnection, remote: string, local: string): Promise<boolean> {
  let data: Buffer;
  try {
    data = await call<Buffer>(conn, `reading ${remote}`, (s, done) => s.readFile(remote, done));
  } catch (err) {
    if ((err as SftpError).code === NO_SUCH_FILE) return false;
    throw err;
  }
  await mkdir(path.dirname(local), { recursive: true });
  await writeFile(local, data);
  return true;
}

/** Paths (relative to `dir`) of the `*.log` files under it, at most `depth` folders down. */
export async function findLogs(conn: SshConnection, dir: string, depth = 3): Promise<string[]> {
  let entries: FileEntryWithStats[];
  try {
    entries = await call<FileEntryWithStats[]>(conn, `listing ${dir}`, (s, done) => s.readdir(dir, done));
  } catch (err) {
    if ((err as SftpError).code === NO_SUCH_FILE) return [];
    throw err;
  }
  const found: string[] = [];
  for (const e of entries) {
    if (e.attrs.isFile() && e.filename.endsWith('.log')) found.push(e.filename);
    else if (e.attrs.isDirectory() && depth > 0) found.push(...(await findLogs(conn, `${dir}/${e.filename}`, depth - 1)).map((f) => `${e.filename}/${f}`));
  }
  return found;
}
