#!/usr/bin/env bash
# A disorder ensemble of `glassbox temper` as a Slurm job array: task K of N runs shard K/N of
# the samples into runs/ea3d-L8/shard-K; a dependent job merges the N shards into runs/ea3d-L8.
#
#   sbatch docs/slurm-array.sh            # submits the array (N tasks) and the merge job
#
# Each task is an ordinary single-node run (threads: --cpus-per-task), so no MPI is needed.
# Resubmitting after a time limit continues every unfinished shard from its checkpoint
# (`--resume`); finished shards are left alone.
#SBATCH --job-name=glassbox-ea
#SBATCH --array=1-16
#SBATCH --cpus-per-task=4
#SBATCH --mem-per-cpu=500M
#SBATCH --time=04:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail

N=${SLURM_ARRAY_TASK_COUNT:-16}  # must equal the size of --array
OUT=runs/ea3d-L8
# Everything that defines the ensemble; every shard must get exactly the same flags.
ARGS=(temper --lattice 8x8x8 --couplings gaussian --tmin 0.8 --tmax 2.0 --count 16
      --sweeps 100000 --samples 1000 --seed 2026 --checkpoint-every 600)

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
  # Submission from the login node: the array, then the merge once every task succeeded.
  array=$(sbatch --parsable "$0")
  shards=$(for k in $(seq 1 16); do printf ' %s/shard-%s' "$OUT" "$k"; done)
  sbatch --dependency=afterok:"$array" --time=00:30:00 --job-name=glassbox-merge \
    --wrap "glassbox merge$shards -o $OUT"
  exit 0
fi

K=$SLURM_ARRAY_TASK_ID
DIR="$OUT/shard-$K"
if [ -f "$DIR/shard.json" ]; then
  echo "shard $K/$N already finished"; exit 0
elif [ -f "$DIR/checkpoint.json" ]; then
  exec glassbox --threads "$SLURM_CPUS_PER_TASK" "${ARGS[@]}" --shard "$K/$N" -o "$DIR" --resume
else
  exec glassbox --threads "$SLURM_CPUS_PER_TASK" "${ARGS[@]}" --shard "$K/$N" -o "$DIR" --overwrite
fi
