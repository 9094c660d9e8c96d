// The one place that loads testcontainers. Its reaper (Ryuk) is an image that cannot be pulled here,
// so it is switched off before the library is first imported and faultline does the reaper's job
// itself (labels + `faultline clean`). Images are never pulled either: a missing image means the
// set-up has not run, and the user is told so instead of waiting on an unreachable registry.
import type { ContainerRuntimeClient, ImagePullPolicy } from 'testcontainers';
import { HarnessError } from '../../errors.ts';

process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
// Inside a container (/.dockerenv) testcontainers would look for the engine's address through the
// default bridge, or by running an alpine image it would have to pull. Our engine is local (see
// engineIsLocal) and we publish ports on 127.0.0.1 only.
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
export const tc = await import('testcontainers');

/** How to get the images: the README's set-up, also run by `.ci/run`. */
export const SETUP_HINT = 'run `bash docker/setup.sh` as root (installs docker.io, starts dockerd, builds the fl- images)';

/** Label on everything faultline creates in Docker; the run id and owner pid ride along. */
export const LABEL = { marker: 'faultline', run: 'faultline.run', ownerPid: 'faultline.owner-pid', ownerStart: 'faultline.owner-start' } as const;

/** A pull policy that never pulls (testcontainers still pulls a missing image: see requireImage). */
export const NEVER_PULL: ImagePullPolicy = { shouldPull: () => false };

const ENGINE_DEADLINE_MS = 10_000;

/** The engine client, or a HarnessError within a deadline when no engine answers. */
export async function engine(): Promise<ContainerRuntimeClient> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HarnessError(`no Docker engine answered within ${ENGINE_DEADLINE_MS / 1000}s`)), ENGINE_DEADLINE_MS);
  });
  try {
    return await Promise.race([tc.getContainerRuntimeClient(), timeout]);
  } catch (err) {
    throw new HarnessError(`no Docker engine reachable (${err instanceof Error ? err.message : String(err)}); ${SETUP_HINT}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the engine is reached through a unix socket, i.e. runs on this machine: ContainerProcess
 *  signals container processes by their pid here, which a remote engine's processes do not have. */
export function engineIsLocal(client: ContainerRuntimeClient): boolean {
  return Boolean((client.container.dockerode.modem as { socketPath?: unknown }).socketPath);
}

/** Fails with the set-up hint unless `image` exists locally (so testcontainers never tries to pull it). */
export async function requireImage(client: ContainerRuntimeClient, image: string): Promise<void> {
  if (await client.image.exists(tc.ImageName.fromString(image))) return;
  throw new HarnessError(`Docker image ${image} is missing; ${SETUP_HINT}`);
}
