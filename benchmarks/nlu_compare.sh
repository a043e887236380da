#!/usr/bin/env bash
# Compares NLU pipelines by 3-fold cross-validation on data/nlu and prints the intent and entity
# scores of each: by default config.yml against every config in benchmarks/nlu/, or the configs
# given as arguments. All configs are scored on one copy of data/nlu (or NLU_DATA) taken at the
# start, so edits made meanwhile do not mix in; results go to var/nlu-cv/ (NLU_CV_OUT). Every config
# is scored on the same folds (benchmarks/nlu_cv.py seeds them with CV_SEED, default 42; unseeded,
# Rasa drew new folds on every run and scores moved by 0.01-0.03). Slow (it trains three models per
# config); prints numbers, asserts nothing.
source "$(dirname "$0")/../scripts/lib.sh"
ensure_venv
cd "$ROOT"
folds="${FOLDS:-3}"
out_root="${NLU_CV_OUT:-var/nlu-cv}"
if [ "$#" -gt 0 ]; then configs=("$@"); else configs=(config.yml benchmarks/nlu/*.yml); fi
mkdir -p "$out_root"
data="${NLU_DATA:-data/nlu}"
rm -rf "$out_root/data"
cp -r "$data" "$out_root/data"
if [ "$data" = data/nlu ]; then
  echo "== data: data/nlu at commit $(git log -1 --format=%h -- data/nlu)$(git diff --quiet HEAD -- data/nlu || echo ' plus uncommitted changes')"
fi
echo "== data: $data (content sha256 $(cat "$out_root"/data/*.yml | sha256sum | cut -c1-12))"
for config in "${configs[@]}"; do  # rasa quietly uses its default pipeline for a missing file
  [ -f "$config" ] || { echo "no such config: $config" >&2; exit 1; }
done
for config in "${configs[@]}"; do
  out="$out_root/$(basename "$config" .yml)"
  rm -rf "$out"
  start=$(date +%s)
  python benchmarks/nlu_cv.py --nlu "$out_root/data" --config "$config" --cross-validation --folds "$folds" --out "$out" \
    >"$out.log" 2>&1 || { tail -n 20 "$out.log"; exit 1; }
  echo "== $config ($folds folds, $(( $(date +%s) - start )) s)"
  python - "$out" <<'PY'
import json, sys, pathlib
out = pathlib.Path(sys.argv[1])
intent = json.loads((out / "intent_report.json").read_text())["weighted avg"]
print(f"   intent: f1 {intent['f1-score']:.3f} precision {intent['precision']:.3f} recall {intent['recall']:.3f}")
for report in sorted(out.glob("*Extractor_report.json")) + sorted(out.glob("DIETClassifier_report.json")):
    data = json.loads(report.read_text())
    avg = data.get("weighted avg") or data.get("micro avg")
    print(f"   entities ({report.stem.replace('_report', '')}): f1 {avg['f1-score']:.3f}")
PY
done
