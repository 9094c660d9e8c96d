// Where the test data the repository carries lives, resolved from this file so a test finds it from any
// working directory. data/porcupine: Porcupine's histories with known verdicts (MIT, see its license file).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PORCUPINE = path.join(REPO, 'data/porcupine');
/** A file under data/porcupine, e.g. porcupine('etcd/etcd_002.log'). */
export const porcupine = (file: string): string => path.join(PORCUPINE, file);
