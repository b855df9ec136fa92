#!/usr/bin/env bash
# Mutation testing of skal's scoring and selection maths with mutmut (not in
# CI: it reruns the covering tests once per mutant, tens of minutes).
#
#   pip install -e ".[mutation]"
#   bash tools/mutation.sh            # mutate, test, then list the survivors
#
# The mutated files, the tests that judge them and the pytest options are in
# pyproject.toml's [tool.mutmut]. mutmut works in ./mutants (git-ignored);
# `mutmut show <name>` prints one mutant's diff, `mutmut browse` all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m mutmut run --max-children "${MUTMUT_JOBS:-2}" || true
echo "survived: $(python -m mutmut results | grep -c ": survived" || true)"
python -m mutmut results | grep ": survived" || true
