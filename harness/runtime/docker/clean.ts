// `faultline clean` for the docker runtime: testcontainers' reaper cannot run here, so this does its
// job. Every container and network a run creates carries the run id and the owner's pid (with the
// pid's start time, so a reused pid does not keep a dead run alive); leftovers of runs whose owner is
// gone are removed, and with `all` every faultline-labelled container, network and volume. The run's
// ledger (same as netns/local keep) names its bind-mounted folder on this machine.
import { existsSync, rmSync } from 'node:fs';
import type { ContainerRuntimeClient } from 'testcontainers';
import { Ledger } from '../ledger.ts';
import { sameProcess } from '../process.ts';
import { LABEL } from './engine.ts';
import { unmountDisk } from '../disk/tmpfs-disk.ts';
import { removeContainer } from './host.ts';

type Log = (line: string) => void;
type Labels = Record<string, string> | undefined;

/** Whether the faultline process named in these labels still runs. */
export function ownerAlive(labels: Labels): boolean {
  const pid = Number(labels?.[LABEL.ownerPid]);
  const start = labels?.[LABEL.ownerStart] ? Number(labels[LABEL.ownerStart]) : undefined;
  return Number.isInteger(pid) && pid > 0 && sameProcess(pid, start);
}

export async function cleanLeftovers(client: ContainerRuntimeClient, log: Log, opts: { all?: boolean }): Promise<void> {
  const doomed = (labels: Labels) => opts.all || !ownerAlive(labels);
  const docker = client.container.dockerode;
  const containers = await docker.listContainers({ all: true, filters: { label: [LABEL.run] } });
  for (const c of containers) {
    const run = c.Labels[LABEL.run];
    if (!doomed(c.Labels)) {
      log(`docker: run ${run} is still running (pid ${c.Labels[LABEL.ownerPid]}), container ${c.Names[0]} left alone`);
      continue;
    }
    await removeContainer(client, c.Id);
    log(`docker: removed container ${c.Names[0]?.replace(/^\//, '')} of run ${run}`);
  }
  for (const n of await docker.listNetworks({ filters: { label: [LABEL.run] } })) {
    if (!doomed(n.Labels)) continue;
    await docker.getNetwork(n.Id).remove();
    log(`docker: removed network ${n.Name} of run ${n.Labels?.[LABEL.run]}`);
  }
  const { Volumes } = await docker.listVolumes({ filters: { label: [LABEL.run] } });
  for (const v of Volumes ?? []) {
    if (!doomed(v.Labels)) continue;
    await docker.getVolume(v.Name).remove();
    log(`docker: removed volume ${v.Name}`);
  }
  await cleanLedgers(log, opts);
}

/** Folders and ledgers of docker runs whose owner is gone (or all of them with `all`). */
async function cleanLedgers(log: Log, opts: { all?: boolean }): Promise<void> {
  for (const { file, data } of Ledger.list()) {
    if (data.kind !== 'docker' || (!opts.all && Ledger.ownerAlive(data))) continue;
    // the containers are gone: their size-limited folders can be unmounted, then removed
    for (const dir of data.mounts ?? []) if (await unmountDisk(dir)) log(`docker: unmounted ${dir}`);
    for (const dir of data.dirs) {
      if (!existsSync(dir)) continue;
      rmSync(dir, { recursive: true, force: true });
      log(`docker: removed ${dir}`);
    }
    rmSync(file, { force: true });
    log(`docker: removed ledger ${file}`);
  }
}
