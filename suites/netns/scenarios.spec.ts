// The netns scenario files (scenarios/*.yaml here, and a course's own), beside netns.spec.ts:
// its own file so the two run side by side (their namespaces carry the topology's name).
import { claim } from '../../src/claims/claim.js';
import { scenariosOf } from '../../src/scenarios/files.js';
import { runProbes, firstFailure, type NetnsScenario } from '../../src/netns/scenario.js';
import { build, NEEDS } from './build.js';

// Each: a topology, connections that must and must not get through, and the negative control.
for (const { claim: id, spec: s, source } of await scenariosOf<NetnsScenario>('netns')) {
  claim(id, { scenario: s.name, source, needs: [...NEEDS], timeoutMs: 120_000 }, async (c) => {
    const name = id.replace('netns.', '');
    // The topology and its control are namespaces apart: probed side by side (a control's failing
    // connection waits out its bound, the same seconds as the topology's own probes).
    const [r, ctl] = await Promise.all([
      build(c, { name, ...s.topology }).then((net) => runProbes(net, s.expect)),
      build(c, { name: `${name}-control`, ...s.topology, ...s.control }).then((net) => firstFailure(net, s.expect.reach)),
    ]);
    const broke = ctl.filter((p) => !p.ok).map((p) => p.label);
    c.evidence({
      summary: `${r.reach.filter((p) => p.ok).length}/${r.reach.length} connections got `
        + `through, ${r.unreachable.filter((p) => p.ok).length}/${r.unreachable.length} were kept out; control `
        + `(${Object.keys(s.control).join(', ')} changed): ${broke.length ? `${broke.join(', ')} failed` : 'everything still got through'}`,
      source, probes: r, control: { changed: s.control, probes: ctl },
    });
    c.verify([
      ...r.checks,
      { ok: broke.length > 0,
        what: `negative control: with ${Object.keys(s.control).join(', ')} changed, a connection fails`,
        expected: 'at least one fails', actual: broke.length ? broke.join(', ') : 'all got through' },
    ]);
  });
}
