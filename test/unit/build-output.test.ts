// Build output parsers on recorded output: the legacy builder of this machine and BuildKit
// (GitHub's runners), which name cached steps differently.
import { describe, it, expect } from 'vitest';
import { parseSteps, engineError } from '../../src/docker/build.js';

const LEGACY = `Sending build context to Docker daemon  3.072kB\r
Step 1/3 : FROM alpine
 ---> 0e5074db4f44
Step 2/3 : ADD hello.sh .
 ---> Using cache
 ---> 9c1fd2a1b1a8
Step 3/3 : CMD ["sh", "hello.sh"]
 ---> Running in 76986366d090
Removing intermediate container 76986366d090
 ---> 42385989d6ac
Successfully built 42385989d6ac
`;

const BUILDKIT = `#0 building with "default" instance using docker driver

#1 [internal] load build definition from Dockerfile
#1 transferring dockerfile: 95B done
#1 DONE 0.0s

#4 [1/2] FROM docker.io/library/alpine:latest@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d
#4 DONE 0.0s

#5 [internal] load build context
#5 transferring context: 30B done
#5 DONE 0.0s

#6 [2/2] ADD hello.sh .
#6 CACHED

#7 exporting to image
#7 exporting layers done
#7 DONE 0.0s
`;

const BUILDKIT_MULTI = `#8 [builder 3/4] COPY server.go .
#8 CACHED

#9 [builder 4/4] RUN go build server.go
#9 0.512 building
#9 DONE 2.1s

#10 [stage-1 3/3] COPY --from=builder /build/server .
#10 DONE 0.0s
`;

// Cached vertices come out of Dockerfile order (recorded from BuildKit 0.8 in engine 20.10).
const BUILDKIT_OUT_OF_ORDER = `#6 [3/4] ADD hello.sh .
#6 CACHED

#5 [2/4] RUN echo "a step before the ADD" > /before.txt
#5 CACHED

#7 [4/4] RUN cp hello.sh /after.sh
#7 DONE 0.3s
`;

describe('build output', () => {
  it('BuildKit: steps back in Dockerfile order', () => {
    expect(parseSteps(BUILDKIT_OUT_OF_ORDER).map((s) => [s.n, s.cached])).toEqual([[2, true], [3, true], [4, false]]);
  });

  it('legacy: Step n/m and "Using cache"', () => {
    expect(parseSteps(LEGACY)).toEqual([
      { n: 1, instruction: 'FROM alpine', cached: false },
      { n: 2, instruction: 'ADD hello.sh .', cached: true },
      { n: 3, instruction: 'CMD ["sh", "hello.sh"]', cached: false },
    ]);
  });
  it('BuildKit: [n/m] and CACHED', () => {
    expect(parseSteps(BUILDKIT)).toEqual([
      { n: 1, instruction: 'FROM docker.io/library/alpine:latest@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d', cached: false },
      { n: 2, instruction: 'ADD hello.sh .', cached: true },
    ]);
  });
  it('BuildKit multi-stage: stage names', () => {
    expect(parseSteps(BUILDKIT_MULTI).map((s) => [s.instruction, s.cached])).toEqual([
      ['COPY server.go .', true], ['RUN go build server.go', false], ['COPY --from=builder /build/server .', false],
    ]);
  });
  it("keeps the engine's error words", () => {
    expect(engineError("Step 2/2 : RUN exit 7\n ---> Running in abc\nThe command '/bin/sh -c exit 7' returned a non-zero code: 7\n")).toMatch(/returned a non-zero code: 7/);
    expect(engineError('#6 ERROR: process "/bin/sh -c exit 7" did not complete successfully: exit code: 7\n')).toMatch(/exit code: 7/);
  });
});
