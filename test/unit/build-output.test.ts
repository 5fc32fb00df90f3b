// Build output parsers on recorded output: the legacy builder of this machine, BuildKit
// (GitHub's runners) and podman's buildah (the trixie guest), which name cached steps differently.
import { describe, it, expect } from 'vitest';
import { parseSteps, engineError, mentionedIds } from '../../src/docker/build.js';

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

// podman 5.4.2 in the trixie guest, the second build of the same files.
const BUILDAH = `STEP 1/4: FROM isolab/busybox:latest
STEP 2/4: ADD hello.sh .
--> Using cache 7b6aae40d0fae10e20d04c5b43bcafd68c7dcd5d6ea876dc3442aa64d67333e6
--> 7b6aae40d0fa
STEP 3/4: RUN echo built
--> 048c25709ab9
STEP 4/4: CMD ["sh","hello.sh"]
--> Using cache 31bec7064c781337e216f8a42598f9306d44e4413bc460d1eb8f2eb7f45fc045
COMMIT isolab-x-hello:latest
--> 31bec7064c78
Successfully tagged localhost/isolab-x-hello:latest
31bec7064c781337e216f8a42598f9306d44e4413bc460d1eb8f2eb7f45fc045
`;

const BUILDAH_MULTI = `[1/2] STEP 1/2: FROM isolab/golang:latest AS builder
[1/2] STEP 2/2: RUN echo compile > /out
--> bf22c72ef025
[2/2] STEP 1/3: FROM isolab/busybox:latest
[2/2] STEP 2/3: COPY --from=builder /out /out
--> 7222c3db017c
[2/2] STEP 3/3: CMD ["cat","/out"]
[2/2] COMMIT isolab-x-ms:latest
--> b82995a19959
Successfully tagged localhost/isolab-x-ms:latest
b82995a199594d15feec5e92c1e597f4861660b7bfe5b428c7107c761766c6f1
`;

describe('build output', () => {
  it('buildah: STEP n/m: and "--> Using cache", stages prefixed [k/n]', () => {
    expect(parseSteps(BUILDAH).map((s) => [s.n, s.instruction, s.cached])).toEqual([
      [1, 'FROM isolab/busybox:latest', false], [2, 'ADD hello.sh .', true], [3, 'RUN echo built', false],
        [4, 'CMD ["sh","hello.sh"]', true],
    ]);
    expect(parseSteps(BUILDAH_MULTI).map((s) => s.instruction)).toEqual([
      'FROM isolab/golang:latest AS builder', 'RUN echo compile > /out', 'FROM isolab/busybox:latest',
        'COPY --from=builder /out /out', 'CMD ["cat","/out"]',
    ]);
  });
  it("buildah: the ids it names are the build's own, the builder stage's included", () => {
    expect(mentionedIds(BUILDAH_MULTI)).toEqual(['bf22c72ef025', '7222c3db017c', 'b82995a19959',
      'b82995a199594d15feec5e92c1e597f4861660b7bfe5b428c7107c761766c6f1']);
    expect(mentionedIds(BUILDAH)).toContain('7b6aae40d0fae10e20d04c5b43bcafd68c7dcd5d6ea876dc3442aa64d67333e6');
  });

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
      { n: 1, instruction: 'FROM '
        + 'docker.io/library/alpine:latest@sha256:beefdbd8a1da6d2915566fde36db9db0b524eb737fc57cd1367effd16dc0d06d', cached: false },
      { n: 2, instruction: 'ADD hello.sh .', cached: true },
    ]);
  });
  it('BuildKit multi-stage: stage names', () => {
    expect(parseSteps(BUILDKIT_MULTI).map((s) => [s.instruction, s.cached])).toEqual([
      ['COPY server.go .', true], ['RUN go build server.go', false], ['COPY --from=builder /build/server .', false],
    ]);
  });
  it("keeps the engine's error words", () => {
    expect(engineError("Step 2/2 : RUN exit 7\n ---> Running in abc\nThe command '/bin/sh -c exit 7' returned a "
      + "non-zero code: 7\n")).toMatch(/returned a non-zero code: 7/);
    expect(engineError('#6 ERROR: process "/bin/sh -c exit 7" did not complete successfully: exit code: 7\n')).toMatch(/exit code: 7/);
    expect(engineError('STEP 2/2: RUN exit 3\nError: building at STEP "RUN exit 3": while running runtime: exit '
      + 'status 3\n')).toMatch(/exit status 3/);
  });
});
