#!/bin/bash
# The Monte Carlo runs behind docs/validation/spikes.md, in priority order (resumable: each point is
# skipped when already in the JSON). Run from the repository root, niced, in the background:
#   nohup nice -n 10 bash scripts/validate_spikes.sh > spikes_validation.log 2>&1 &
set -e
export PYTHONPATH=.
OUT=${OUT:-spikes_mc.json}
LINKS=${LINKS:-spikes_links.json}
V="python scripts/validate_spikes.py run --out $OUT"
$V --sizes 1000 --weight --weight-trials 6 --alphas 0.3 --activations tanh:gaussian
$V --sizes 1000,2000 --activations tanh:gaussian,poly:gaussian,relu:gaussian,poly:rademacher --trials 6
$V --sizes 4000 --alphas 0.2,0.3,0.35,0.4 --activations tanh:gaussian,poly:rademacher --trials-large 3
python scripts/spikes_links.py --sizes 1000,2000 --trials 4 --out $LINKS
$V --sizes 8000 --alphas 0.3,0.35 --activations tanh:gaussian,poly:rademacher --trials-large 2
$V --sizes 4000 --alphas 0.0,0.1 --activations tanh:gaussian,poly:rademacher --trials-large 3
$V --sizes 8000 --alphas 0.2,0.4 --activations tanh:gaussian,poly:rademacher --trials-large 2
$V --sizes 4000 --alphas 0.2,0.3,0.35,0.4 --activations relu:gaussian --trials-large 3
$V --sizes 8000 --alphas 0.3,0.35 --activations relu:gaussian --trials-large 2
python scripts/validate_spikes.py page --data $OUT --links $LINKS --page docs/validation/spikes.md
