#!/usr/bin/env bash
# paper-tables.sh: trains and evaluates the runs behind RESULTS.md's tables, one (table, seed,
# mode, class) at a time, and records each with `ocgan eval --results`. A run whose record exists
# in the results folder is skipped, so the script can be stopped at any time and started again:
# it continues with the first run not recorded (an interrupted training resumes from its last
# epoch). A failed run is logged and the script goes on to the next; a run whose ocgan was
# stopped by a signal to it alone (it saves where it is) stops the script after the runs in
# progress, with status 130.
#
#   tools/paper-tables.sh [--table T[,T...]] [--classes 0-9] [--seeds 1] [--mode M[,M...]]
#                         [--epochs N] [--budget D]
#                         [--batch N] [--mine-start F] [--mine-step-size S] [--latent L]
#                         [--lambda W] [--latent-weight W] [--dropout P] [--image-size S]
#                         [--visual-width W] [--select-from F] [--latent-double-sigmoid]
#                         [--epoch-auc] [--score-noise S]
#                         [--device DEV] [--parallel N] [--results DIR] [--models DIR] [--logs DIR]
#                         [--ocgan BIN] [--no-roc] [--dry-run]
#
# Tables (default all, in this order):
#   mnist-p2-full      MNIST, protocol 2, OCGAN (the paper's Table 2)
#   mnist-p2-ablation  MNIST, protocol 2, modes ae, ae+dl, ae+dl+dv and full (Table 4)
#   fmnist-p1-full     Fashion-MNIST, protocol 1, OCGAN (Table 1)
# --classes and --seeds take lists and ranges (0-9, 2,8, 0-2,7) and are run in the order given,
# seeds outermost, then modes, then classes. --mode runs the tables' datasets in the modes given
# (full, ae, ae+dl, ae+dl+dv, ae+dv) instead of their own. --epochs, --budget (per run, e.g. 2h),
# --batch, --mine-start, --mine-step-size, --latent, --lambda, --latent-weight, --dropout,
# --image-size, --visual-width, --select-from and --latent-double-sigmoid (the experiments of
# RESULTS.md) are passed to ocgan only when given: everything else is ocgan's defaults, the
# paper's settings (25 epochs at batch 64, about the authors' 2,200 updates of 200 epochs at batch
# 512; mining in the last quarter; λ 10; latent adversarial weight 1; σ 0.2; decoder dropout 0.5;
# model selection over every epoch; the latent discriminator's single sigmoid). --epoch-auc
# passes ocgan's --epoch-auc (the test AUC of every epoch's model, recorded in the record's curve; selection stays on the
# validation MSE). --score-noise S passes ocgan eval's --score-noise (the test images scored on
# input with Gaussian noise of σ S, as the authors' test code scores): with --models naming the
# models of an earlier study and a new --results folder, it evaluates those models again without
# training them. --device picks ocgan's device (default: ocgan's choice). --parallel N runs N
# trainings at a time, each with its share of the cores (ocgan --threads CORES/N, at least 1): on
# the native CPU backend two one-thread runs on two cores get through about 1.2 times the images
# per second of one two-thread run (small GEMMs scale poorly across threads). The thread count is
# in each record's device; SGEMM may sum in another order with other thread counts, so results
# can differ in the last bits.
#
# After the runs, each mode of a table whose ten classes are recorded for the first seed given
# (and whose models are in MODELS) gets its ROC curves, one per class, drawn by `ocgan eval --roc`
# into RESULTS/DATASET-pPROTOCOL-MODE-roc.png (seconds per class to score; --no-roc skips).
#
# Each run is `ocgan eval --train ... --model MODELS/NAME.ocgan --results RESULTS`, NAME being
# DATASET-pPROTOCOL-MODE-cCLASS-sSEED (the record's file name is NAME.json); its output is
# appended to LOGS/NAME.log. Defaults: results/, models/, logs/paper-tables/ (models and logs are
# git-ignored). The ocgan binary is built first with `make build` (its commit goes into every
# record) unless --ocgan names one. --dry-run prints the runs (or the skips) without building
# or running anything.
#
# In the background (logs/ is git-ignored):
#   mkdir -p logs && nohup tools/paper-tables.sh --table mnist-p2-full >>logs/paper-tables.out 2>&1 &
# then refresh RESULTS.md with `go run ./tools/results -write` and commit results/ with it.
# `kill PID` (of the script) or `pkill -f tools/paper-tables.sh` stops the run in progress too, which
# saves where it is; started again, the script resumes it.
# The whole script is one group, read before any of it runs: a change to the file while a table
# runs (hours) does not reach the run in progress.
{
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "paper-tables: $*" >&2; exit 2; }
# took: the time since $start (seconds) as 12m34s.
took() { echo "$(((SECONDS - start) / 60))m$(((SECONDS - start) % 60))s"; }

# expand "0-2,7" to "0 1 2 7" (the order given, duplicates dropped).
expand() {
  local spec=$1 part lo hi i out=" "
  IFS=, read -ra parts <<<"$spec"
  [ ${#parts[@]} -gt 0 ] || die "empty list"
  for part in "${parts[@]}"; do
    if [[ $part =~ ^([0-9]+)-([0-9]+)$ ]]; then
      lo=${BASH_REMATCH[1]} hi=${BASH_REMATCH[2]}
    elif [[ $part =~ ^[0-9]+$ ]]; then
      lo=$part hi=$part
    else
      die "\"$spec\": \"$part\" is not a number or a range lo-hi"
    fi
    [ "$((10#$lo))" -le "$((10#$hi))" ] || die "\"$spec\": \"$part\" is not a range lo-hi"
    for ((i = 10#$lo; i <= 10#$hi; i++)); do
      [[ $out == *" $i "* ]] || out+="$i "
    done
  done
  echo $out
}

# table_runs T: "DATASET PROTOCOL MODE..." of table T.
table_runs() {
  case $1 in
    mnist-p2-full) echo "mnist 2 full" ;;
    mnist-p2-ablation) echo "mnist 2 ae ae+dl ae+dl+dv full" ;;
    fmnist-p1-full) echo "fmnist 1 full" ;;
    *) die "unknown table \"$1\" (mnist-p2-full, mnist-p2-ablation, fmnist-p1-full or all)" ;;
  esac
}

tables=all classes=0-9 seeds=1 mode_list="" epochs="" budget="" device="" score_noise="" parallel=1 dry=0 epoch_auc=0 roc=1 settings=()
results=results models=models logs=logs/paper-tables ocgan=""
while [ $# -gt 0 ]; do
  case $1 in
    --table|--tables) tables=${2:?--table needs a value}; shift ;;
    --classes) classes=${2:?--classes needs a value}; shift ;;
    --seeds) seeds=${2:?--seeds needs a value}; shift ;;
    --mode|--modes) mode_list=${2:?--mode needs a value}; shift ;;
    --epochs) epochs=${2:?--epochs needs a value}; shift ;;
    --budget) budget=${2:?--budget needs a value}; shift ;;
    --batch|--mine-start|--mine-step-size|--latent|--lambda|--latent-weight|--dropout|--image-size|--visual-width|--select-from) [ -n "${2:-}" ] || die "$1 needs a value"; settings+=("$1" "$2"); shift ;;
    --score-noise) score_noise=${2:?--score-noise needs a value}; settings+=("$1" "$2"); shift ;;
    --device) device=${2:?--device needs a value}; shift ;;
    --parallel) parallel=${2:?--parallel needs a value}; shift ;;
    --results) results=${2:?--results needs a value}; shift ;;
    --models) models=${2:?--models needs a value}; shift ;;
    --logs) logs=${2:?--logs needs a value}; shift ;;
    --ocgan) ocgan=${2:?--ocgan needs a value}; shift ;;
    --latent-double-sigmoid) settings+=("$1") ;;
    --epoch-auc) epoch_auc=1 ;;
    --dry-run) dry=1 ;;
    --no-roc) roc=0 ;;
    -h|--help) sed -n '2,/^{$/p' "tools/${0##*/}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument \"$1\" (--help lists the options)" ;;
  esac
  shift
done
[ "$tables" = all ] && tables=mnist-p2-full,mnist-p2-ablation,fmnist-p1-full
IFS=, read -ra table_list <<<"$tables"
for t in "${table_list[@]}"; do table_runs "$t" >/dev/null; done
class_list=$(expand "$classes")
for c in $class_list; do [ "$c" -le 9 ] || die "--classes \"$classes\": the tables have classes 0-9"; done
seed_list=$(expand "$seeds")
mode_list=${mode_list//,/ }
for m in $mode_list; do
  case $m in full | ae | ae+dl | ae+dl+dv | ae+dv) ;; *) die "--mode \"$m\": want full, ae, ae+dl, ae+dl+dv or ae+dv" ;; esac
done

# modes_of T: the modes to run of table T (--mode, or the table's own).
modes_of() {
  local dataset protocol modes
  read -r dataset protocol modes <<<"$(table_runs "$1")"
  echo "$dataset $protocol ${mode_list:-$modes}"
}
[ -z "$epochs" ] || [[ $epochs =~ ^[1-9][0-9]*$ ]] || die "--epochs \"$epochs\" is not a positive number"
[[ $parallel =~ ^[1-9][0-9]*$ ]] || die "--parallel \"$parallel\" is not a positive number"

extra=()
[ -z "$epochs" ] || extra+=(--epochs "$epochs")
[ -z "$budget" ] || extra+=(--budget "$budget")
extra+=("${settings[@]}")
[ "$epoch_auc" = 0 ] || extra+=(--epoch-auc)
[ -z "$device" ] || extra+=(--device "$device")
[ "$parallel" = 1 ] || extra+=(--threads "$(( $(nproc) / parallel > 0 ? $(nproc) / parallel : 1 ))")

if [ "$dry" = 0 ]; then
  mkdir -p "$results" "$models" "$logs"
  exec 9>"$logs/.lock"
  flock -n 9 || die "another paper-tables.sh is running with the logs in $logs"
  if [ -z "$ocgan" ]; then
    make -s build
    ocgan=bin/ocgan
  fi
  [ -x "$ocgan" ] || die "no ocgan binary at $ocgan"
  echo "paper-tables: $("$ocgan" version | head -3 | tr '\n' ' ')"
fi
ocgan=${ocgan:-bin/ocgan}

# run_one NAME CMD...: runs one training (in the background of the script), logging to
# LOGS/NAME.log; its status is 0 when the run wrote its record, 130 when ocgan was interrupted
# (by a signal to ocgan alone: its model holds the run as it stopped). Stopping it stops the run too
# (its checkpoint of the last epoch stays): the first SIGTERM is passed on to ocgan once, which
# saves where it is; later ones (`pkill -f` signals the script and this subshell alike) are not,
# since ocgan takes a second signal as "stop at once, without saving".
run_one() {
  local name=$1 log="$logs/$1.log" start=$SECONDS child auc stopping=0 status=0
  shift
  echo "$(date -u +%FT%TZ) start $name (log $log)"
  printf '== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
  "$@" >>"$log" 2>&1 &
  child=$!
  trap '[ "$stopping" = 1 ] || { stopping=1; kill -TERM "$child" 2>/dev/null
    while kill -0 "$child" 2>/dev/null; do wait "$child" || true; done
    echo "$(date -u +%FT%TZ) stopped during $name"; exit 143; }' TERM
  wait "$child" || status=$?
  if [ "$status" = 0 ] && [ -e "$results/$name.json" ]; then
    auc=$(sed -n 's/^  "auc": \(.*\),$/\1/p' "$results/$name.json")
    echo "$(date -u +%FT%TZ) done $name: AUC $auc in $(took)"
    return 0
  fi
  if [ "$status" = 130 ]; then
    echo "$(date -u +%FT%TZ) interrupted $name after $(took): ocgan was stopped, and saved where it was"
    return 130
  fi
  echo "$(date -u +%FT%TZ) FAILED $name after $(took): see $log"
  return 1
}
done_runs=0 skipped=0 failed=0 interrupted=0 pids=()
# reap N: waits until fewer than N runs are in progress, counting each run that ended.
reap() {
  local pid alive status
  while :; do
    alive=()
    for pid in "${pids[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then
        alive+=("$pid")
      elif wait "$pid"; then
        done_runs=$((done_runs + 1))
      else
        status=$?
        if [ "$status" = 130 ]; then
          interrupted=$((interrupted + 1))
        else
          failed=$((failed + 1))
        fi
      fi
    done
    pids=(${alive[@]+"${alive[@]}"})
    [ "${#pids[@]}" -ge "$1" ] || return 0
    sleep 2 &
    wait $! || true # a signal to the script is handled at once, not after the sleep
  done
}
# Stopping the script stops the runs in progress.
trap '[ "${#pids[@]}" = 0 ] || kill -TERM "${pids[@]}" 2>/dev/null || true; wait; exit 143' TERM INT HUP
declare -A seen=()
for t in "${table_list[@]}"; do
  read -r dataset protocol modes <<<"$(modes_of "$t")"
  for seed in $seed_list; do
    for mode in $modes; do
      for class in $class_list; do
        name="$dataset-p$protocol-$mode-c$class-s$seed"
        [ -z "${seen[$name]:-}" ] || continue
        seen[$name]=1
        if [ -e "$results/$name.json" ]; then
          echo "skip $name: $results/$name.json exists"
          skipped=$((skipped + 1))
          continue
        fi
        cmd=("$ocgan" eval --train --dataset "$dataset" --protocol "$protocol" --mode "$mode" --class "$class"
          --seed "$seed" --model "$models/$name.ocgan" --results "$results" "${extra[@]}")
        if [ "$dry" = 1 ]; then
          echo "run $name: ${cmd[*]}"
          continue
        fi
        reap "$parallel" # at most $parallel runs at a time
        # An interrupted ocgan (a signal to it alone) stops the table: no run starts after it.
        [ "$interrupted" = 0 ] || break 4
        run_one "$name" "${cmd[@]}" &
        pids+=($!)
      done
    done
  done
done
reap 1
trap - TERM INT HUP
if [ "$interrupted" != 0 ]; then
  echo "paper-tables: stopped: $interrupted run(s) interrupted, $done_runs recorded, $failed failed; started again, the script continues the interrupted run(s)"
  exit 130
fi
# ROC figures: every mode whose ten classes are recorded for the first seed.
read -r first_seed _ <<<"$seed_list"
for t in "${table_list[@]}"; do
  [ "$dry" = 0 ] && [ "$roc" = 1 ] || break
  read -r dataset protocol modes <<<"$(modes_of "$t")"
  for mode in $modes; do
    stem="$dataset-p$protocol-$mode"
    missing=()
    for c in 0 1 2 3 4 5 6 7 8 9; do
      name="$stem-c$c-s$first_seed"
      [ -e "$results/$name.json" ] && [ -e "$models/$name.ocgan" ] || missing+=("$c")
    done
    if [ ${#missing[@]} -gt 0 ]; then
      echo "roc $stem: no figure, classes ${missing[*]} of seed $first_seed not recorded with their model"
      continue
    fi
    png="$results/$stem-roc.png" log="$logs/$stem-roc.log"
    start=$SECONDS
    if "$ocgan" eval --dataset "$dataset" --protocol "$protocol" --class 0-9 --seed "$first_seed" \
      --model "$models/$stem-c{class}-s{seed}.ocgan" --roc "$png" ${score_noise:+--score-noise "$score_noise"} ${device:+--device "$device"} >>"$log" 2>&1; then
      echo "$(date -u +%FT%TZ) roc $stem: $png in $(took)"
    else
      echo "$(date -u +%FT%TZ) roc $stem FAILED after $(took): see $log"
      failed=$((failed + 1))
    fi
  done
done
if [ "$dry" = 0 ]; then
  echo "paper-tables: $done_runs run(s) recorded, $skipped skipped (recorded before), $failed failed"
  echo "paper-tables: refresh RESULTS.md with: go run ./tools/results -write"
fi
[ "$failed" = 0 ]
exit
}
