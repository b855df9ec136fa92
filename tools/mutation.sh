#!/usr/bin/env bash
# Mutation testing of skal's scoring and selection maths with mutmut (not in
# CI: it reruns the covering tests once per mutant).
#
#   pip install -e ".[mutation]"
#   bash tools/mutation.sh scoring     # mutants of skal/scoring only
#   bash tools/mutation.sh selection   # mutants of skal/selection only
#   bash tools/mutation.sh             # both ("all")
#
# MUTMUT_JOBS (default 2) sets --max-children. The mutated files, the tests
# that judge them (fast unit tests only) and the pytest options are in
# pyproject.toml's [tool.mutmut]. mutmut works in ./mutants (git-ignored) and
# keeps its results there: a second run retests only what changed. `python -m
# mutmut show <name>` prints one mutant's diff, `python -m mutmut browse` all.
# Results and the survivors judged equivalent: docs/mutation-testing.md.
set -euo pipefail
cd "$(dirname "$0")/.."
module="${1:-all}"
case "$module" in
    scoring | selection) pattern="skal.$module.*" ;;
    all) pattern="skal.*" ;;
    *)
        echo "usage: $0 [scoring|selection|all]" >&2
        exit 2
        ;;
esac
python -m mutmut run --max-children "${MUTMUT_JOBS:-2}" "$pattern" || true
results=$(python -m mutmut results --all true | grep -F "${pattern%\*}" || true)
for status in killed survived "no tests" timeout suspicious; do
    printf '%-10s %s\n' "$status:" "$(grep -c ": $status\$" <<<"$results" || true)"
done
echo "survivors and untested mutants:"
grep -E ": (survived|no tests)\$" <<<"$results" || true
