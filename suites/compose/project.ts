// The lecture's compose project, shared by compose.spec.ts (service DNS) and teardown.spec.ts.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument, stringify } from 'yaml';
import { type ClaimContext } from '../../src/claims/claim.js';
import { workspace, requireFiles } from '../../src/core/fs.js';
import { composeProject } from '../../src/docker/compose.js';
import { sources, assignment, graded, capped, readyClientCommand } from './sources.js';
import { containCompose } from '../../src/grade/untrusted.js';
import { numberSetting } from '../../src/core/settings.js';

export const NEEDS = ['docker', 'compose', 'image.busybox', 'image.go'] as const;
/** Bounded: a server that never answers costs this long at most (isolab grade lowers it). */
// Not testcontainers here, on purpose: its compose module drives compose v2 only (this kind of
// host has v1), its wait strategies probe ports published on the host (a submission's must not
// be), and its reaper is an image pulled from a registry (none offline). The compose CLI, bounded,
// gives both flavours and the output these checks read.
export const UP_TIMEOUT_MS = numberSetting('composeTimeoutMs', graded ? assignment.limits.upSeconds * 1000 : 150_000);
/** Its images' build, bounded apart from the run: a compile under emulation takes minutes. */
export const BUILD_TIMEOUT_MS = numberSetting('composeBuildTimeoutMs',
  graded ? assignment.limits.buildSeconds * 1000 : 600_000);
/** A claim that builds and brings the project up: both bounds and a minute for the rest. */
export const PROJECT_CLAIM_MS = BUILD_TIMEOUT_MS + UP_TIMEOUT_MS + 60_000;
/** What ended `up --build` when it did not exit 0 in time, for a check's `actual`. */
export const upOutcome = (up: { exitCode: number | null; timedOut: boolean; stage: 'build' | 'run'; overDisk?: string }) =>
  up.overDisk ? `its images not built: ${up.overDisk}` : !up.timedOut ? up.exitCode
  : up.stage === 'build' ? `its images not built within ${BUILD_TIMEOUT_MS / 1000} s (stopped)`
    : `no exit within ${UP_TIMEOUT_MS / 1000} s (stopped)`;
export const { server, client, port, message } = assignment.compose;

/** The lecture's project in a workspace; `label` names it on the engine (files side by side differ). */
/** `compose` and `env`: another compose CLI than the host's, and what it runs with (podman.docker-compose). */
export async function project(c: ClaimContext, variant: 'lecture' | 'ready', label: string = variant,
  compose = c.host.compose!, env: Record<string, string> = {}) {
  await requireFiles(sources.compose.dir, sources.compose.files, 'the compose project');
  const ws = await workspace(c.ledger, sources.compose.dir, 'compose');
  const file = path.join(ws, sources.compose.file);
  const v1 = compose.flavour === 'standalone-v1';
  if (graded) {
    // A student's file runs contained (src/grade/untrusted.ts refused what reaches the host).
    const contained = containCompose(await readFile(file, 'utf8'), assignment, v1 ? 'v1' : 'v2');
    await writeFile(file, contained.text);
    c.evidence({ contained: { limits: assignment.limits, networks: 'internal', stripped: contained.stripped } });
  }
  const files = [sources.compose.file];
  if (variant === 'ready') {
    // Compose v1 wants an override's version to match the file's; v2 ignores it.
    const version = v1 ? (parseDocument(await readFile(file, 'utf8')).get('version') as string | undefined) : undefined;
    const override = { ...(version ? { version } : {}), services: { [client]: { command: ['sh', '-c', readyClientCommand()] } } };
    await writeFile(path.join(ws, 'isolab-ready.yml'), stringify(override));
    files.push('isolab-ready.yml');
  }
  const p = await composeProject(c.ledger, compose, ws, files, label, env,
    graded ? { buildDiskMb: assignment.limits.imageMb } : {});
  c.captureOnFailure('compose ps and logs', async () => ({
    containers: await p.containers(),
    [server]: capped(await p.logs(server)),
    [client]: capped(await p.logs(client)),
  }));
  return p;
}

