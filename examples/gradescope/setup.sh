#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image; /autograder/source
# holds the uploaded zip: this file, run_autograder, the course's assignment.yaml and rubric.json,
# and isolab as a package (`npm pack` in an isolab checkout makes isolab-<version>.tgz).
# Needs: Node >= 20 and npm in the image, and an image where a Docker engine can run (isolab
# provision installs and starts one) — without an engine no check can run and no score is written.
set -euo pipefail
cd /autograder/source
npm install --no-audit --no-fund ./isolab-*.tgz
npx isolab provision --no-vm
